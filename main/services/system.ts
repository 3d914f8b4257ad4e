import type { ServiceHandlers } from '../../shared/ipc/contract';
import type { systemContract } from '../../shared/contracts/system';
import { backendInfo } from '../native/backend';
import { appVersion } from '../paths';
import type { ServiceContext } from './context';
import type { HostAdapter } from './host';

export function createSystemService(
  host: HostAdapter,
): ServiceHandlers<typeof systemContract, ServiceContext> {
  return {
    ping: ({ nonce }) => ({ nonce, at: Date.now() }),
    info: () => ({
      version: appVersion(),
      host: host.kind,
      platform: `${process.platform}-${process.arch}`,
      backend: backendInfo(),
    }),
    pickPath: (request) => host.pickPath(request),
  };
}
