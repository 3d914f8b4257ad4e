import { app, BrowserWindow } from 'electron';
import path from 'node:path';
import { createAppServices } from '../services/index';
import { registerIpc } from '../electron/ipc';
import { createMainWindow, installSessionPolicies } from '../electron/window';
import { createElectronHost } from '../electron/host';
import { APP_INDEX_URL } from '../electron/app-scheme';
import { handleAppProtocols, registerAppSchemes } from '../electron/protocol';
import { reopenLastProject } from '../services/restore';

// Electron-only shell: everything it wires up is implemented (and tested) in plain Node.
const outDir = path.join(__dirname, '..');
const preloadPath = path.join(outDir, 'preload', 'electron.cjs');
const rendererDir = path.join(outDir, 'renderer');
// Served by the app:// handler from rendererDir only, never as file:// (protocol.ts).
const rendererIndexUrl = APP_INDEX_URL;
const devServerUrl = process.env['SEGSTUDIO_DEV_SERVER_URL'];

app.enableSandbox();
// Privileged schemes can only be registered before the app is ready.
registerAppSchemes();

if (!app.requestSingleInstanceLock()) app.quit();
// A second launch brings the running window forward instead of opening nothing.
app.on('second-instance', () => {
  const [win] = BrowserWindow.getAllWindows();
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.focus();
});

void app.whenReady().then(() => {
  installSessionPolicies();
  const services = createAppServices(createElectronHost());
  registerIpc(services, rendererIndexUrl, devServerUrl);
  handleAppProtocols(rendererDir, services.media);
  const dataDir = app.getPath('userData');
  // The window opens at once; the renderer picks the project up from project@changed.
  void reopenLastProject(services, dataDir).then(({ reason }) => {
    if (reason) console.warn(`[segstudio] last project not reopened: ${reason}`);
  });
  const open = () =>
    void createMainWindow({ preloadPath, rendererIndexUrl, devServerUrl, dataDir }).catch(
      (err: unknown) => console.error('[segstudio] window:', err),
    );
  open();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) open();
  });
  // Quitting must not kill a running training before its pause checkpoint is on disk.
  let disposed = false;
  let disposing = false;
  app.on('before-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    // A second quit (another signal, Cmd-Q again) waits for the same pause.
    if (disposing) return;
    disposing = true;
    void services
      .dispose()
      .catch((err: unknown) => console.error('[segstudio] shutdown:', err))
      .finally(() => {
        disposed = true;
        app.quit();
      });
  });
});

// kill / a closed terminal / `npm start`'s wrapper passing a signal on: quit the normal way,
// through before-quit, so a running training pauses with a checkpoint first.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => app.quit());

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
