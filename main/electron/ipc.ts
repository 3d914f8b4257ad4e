import { ipcMain, webContents, type IpcMainInvokeEvent } from 'electron';
import type { AppServices } from '../services/index';
import { isTrustedSender } from './security';

/** Registers every contract channel on ipcMain; payload validation happens in the Dispatcher. */
export function registerIpc(
  services: AppServices,
  rendererIndexUrl: string,
  devServerUrl?: string,
): () => void {
  const channels = services.dispatcher.channels;
  for (const channel of channels) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, payload: unknown) => {
      if (!isTrustedSender(event.senderFrame?.url, rendererIndexUrl, devServerUrl)) {
        return { ok: false, error: { code: 'forbidden', message: 'Untrusted sender' } };
      }
      return services.dispatcher.dispatch(channel, payload, { clientId: `wc-${event.sender.id}` });
    });
  }
  const removeSink = services.events.addSink((channel, payload) => {
    for (const contents of webContents.getAllWebContents()) {
      if (!contents.isDestroyed()) contents.send(channel, payload);
    }
  });
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
    removeSink();
  };
}
