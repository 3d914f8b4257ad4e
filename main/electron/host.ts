import { app, BrowserWindow, dialog } from 'electron';
import type { HostAdapter } from '../services/host';
import { forkUtilityWorker } from './utility-port';

export function createElectronHost(): HostAdapter {
  return {
    kind: 'electron',
    dataDir: app.getPath('userData'),
    spawnWorker: forkUtilityWorker,
    async pickPath({ kind, title, defaultPath }) {
      const parent = BrowserWindow.getFocusedWindow() ?? undefined;
      if (kind === 'save') {
        const result = parent
          ? await dialog.showSaveDialog(parent, { title, defaultPath })
          : await dialog.showSaveDialog({ title, defaultPath });
        return result.canceled ? null : (result.filePath ?? null);
      }
      const properties: ('openDirectory' | 'openFile')[] = [
        kind === 'directory' ? 'openDirectory' : 'openFile',
      ];
      const result = parent
        ? await dialog.showOpenDialog(parent, { title, defaultPath, properties })
        : await dialog.showOpenDialog({ title, defaultPath, properties });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  };
}
