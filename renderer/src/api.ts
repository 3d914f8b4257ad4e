import { contracts, type SegStudioApi } from '../../shared/contracts/index';
import { createClient } from '../../shared/ipc/transport';
import type { HostDescriptor } from '../../shared/ipc/wire';

function requireHost(): {
  transport: NonNullable<Window['segstudioTransport']>;
  host: HostDescriptor;
} {
  const transport = window.segstudioTransport;
  const host = window.segstudioHost;
  if (!transport || !host) {
    throw new Error(
      'Seg Studio host bridge missing: open the app from Electron or `segstudio serve`.',
    );
  }
  return { transport, host };
}

const { transport, host } = requireHost();

/** The typed API to every main-process service; identical in Electron and serve mode. */
export const api: SegStudioApi = createClient(contracts, transport);
export const hostInfo: HostDescriptor = host;

export function mediaUrl(relative: string): string {
  return `${host.mediaBase}${relative}`;
}
