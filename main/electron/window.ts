import { BrowserWindow, session, shell } from 'electron';
import { CONTENT_SECURITY_POLICY, hardenedWebPreferences, isAppUrl } from './security';

export interface WindowOptions {
  readonly preloadPath: string;
  readonly rendererIndexUrl: string;
  readonly devServerUrl?: string;
}

export function installSessionPolicies(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });
  // The app needs no camera, microphone, notifications or geolocation.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
    callback(false),
  );
}

export function createMainWindow(options: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: '#14171c',
    title: 'Seg Studio',
    webPreferences: hardenedWebPreferences(options.preloadPath),
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // External links open in the user's browser; the app never spawns new windows.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, options.rendererIndexUrl, options.devServerUrl)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  void win.loadURL(options.devServerUrl ?? options.rendererIndexUrl);
  return win;
}
