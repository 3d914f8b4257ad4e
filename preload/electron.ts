import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { contracts } from '../shared/contracts/index';
import { channelsOf } from '../shared/ipc/contract';
import { unwrapResult, type RendererTransport } from '../shared/ipc/transport';
import { ELECTRON_MEDIA_SCHEME, type HostDescriptor } from '../shared/ipc/wire';

// Only channels declared in shared/contracts can be reached from the page.
const allowed = channelsOf(contracts);

const transport: RendererTransport = {
  async invoke(channel, payload) {
    if (!allowed.methods.has(channel)) throw new Error(`Channel not allowed: ${channel}`);
    return unwrapResult(await ipcRenderer.invoke(channel, payload));
  },
  subscribe(channel, listener) {
    if (!allowed.events.has(channel)) throw new Error(`Event not allowed: ${channel}`);
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => ipcRenderer.removeListener(channel, handler);
  },
};

const host: HostDescriptor = { kind: 'electron', mediaBase: `${ELECTRON_MEDIA_SCHEME}://media/` };

contextBridge.exposeInMainWorld('segstudioTransport', transport);
contextBridge.exposeInMainWorld('segstudioHost', host);
