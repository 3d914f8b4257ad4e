import { ipcMain, webContents, type IpcMainInvokeEvent } from 'electron';
import type { AppServices } from '../services/index';
import { handleIpcCall } from './ipc-call';

/** Registers every contract channel on ipcMain; the policy lives in ipc-call.ts. */
export function registerIpc(
  services: AppServices,
  rendererIndexUrl: string,
  devServerUrl?: string,
): () => void {
  const channels = services.dispatcher.channels;
  const policy = { rendererIndexUrl, ...(devServerUrl && { devServerUrl }) };
  for (const channel of channels) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, payload: unknown) =>
      handleIpcCall(
        services.dispatcher,
        channel,
        payload,
        {
          frameUrl: event.senderFrame?.url,
          isTopFrame: event.senderFrame?.parent === null,
          webContentsId: event.sender.id,
        },
        policy,
      ),
    );
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
