import type { DispatchResult, Dispatcher } from '../ipc/dispatcher';
import type { ServiceContext } from '../services/context';
import { isTrustedSender } from './security';

/** What ipcMain tells us about the caller, reduced to what the policy needs. */
export interface IpcSender {
  /** `event.senderFrame.url`; undefined when the frame is gone. */
  readonly frameUrl: string | undefined;
  /** `event.senderFrame.parent === null`: an iframe (even of an app URL) is not trusted. */
  readonly isTopFrame: boolean;
  /** `event.sender.id`, so events and jobs can be attributed per window. */
  readonly webContentsId: number;
}

export interface IpcPolicy {
  readonly rendererIndexUrl: string;
  readonly devServerUrl?: string;
}

/**
 * One ipcMain.handle call: the sender must be the app's own top-level page, then the
 * Dispatcher validates the payload against the contract (zod) before any service sees it.
 * Kept free of `electron` so the whole path is tested in plain Node.
 */
export async function handleIpcCall(
  dispatcher: Dispatcher<ServiceContext>,
  channel: string,
  payload: unknown,
  sender: IpcSender,
  policy: IpcPolicy,
): Promise<DispatchResult> {
  if (
    !sender.isTopFrame ||
    !isTrustedSender(sender.frameUrl, policy.rendererIndexUrl, policy.devServerUrl)
  ) {
    return { ok: false, error: { code: 'forbidden', message: 'Untrusted sender' } };
  }
  return dispatcher.dispatch(channel, payload, { clientId: `wc-${sender.webContentsId}` });
}
