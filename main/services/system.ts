import type { ServiceHandlers } from '../../shared/ipc/contract';
import type { systemContract } from '../../shared/contracts/system';
import { backendInfo } from '../native/backend';
import { appVersion } from '../paths';
import type { ServiceContext } from './context';

export function createSystemService(
  host: 'electron' | 'serve',
): ServiceHandlers<typeof systemContract, ServiceContext> {
  return {
    ping: ({ nonce }) => ({ nonce, at: Date.now() }),
    info: () => ({
      version: appVersion(),
      host,
      platform: `${process.platform}-${process.arch}`,
      backend: backendInfo(),
    }),
  };
}
