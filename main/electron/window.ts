import { BrowserWindow, screen, session, shell } from 'electron';
import {
  CONTENT_SECURITY_POLICY,
  hardenedWebPreferences,
  isAllowedExternalUrl,
  isAppUrl,
} from './security';
import {
  MIN_WINDOW_SIZE,
  createWindowStateSaver,
  initialWindowState,
  loadWindowState,
  type WindowState,
} from './window-state';

export interface WindowOptions {
  readonly preloadPath: string;
  readonly rendererIndexUrl: string;
  readonly devServerUrl?: string;
  /** Where window-state.json lives (userData); the window reopens where it was closed. */
  readonly dataDir: string;
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

function captureState(win: BrowserWindow): WindowState {
  return {
    version: 1,
    bounds: win.getNormalBounds(),
    maximized: win.isMaximized(),
    fullScreen: win.isFullScreen(),
  };
}

export async function createMainWindow(options: WindowOptions): Promise<BrowserWindow> {
  const initial = initialWindowState(
    await loadWindowState(options.dataDir),
    // Primary display first: a window whose display is gone is centred there.
    [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    ...initial.bounds,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    show: false,
    backgroundColor: '#14171c',
    title: 'Seg Studio',
    webPreferences: hardenedWebPreferences(options.preloadPath),
  });
  win.once('ready-to-show', () => {
    if (initial.maximized) win.maximize();
    if (initial.fullScreen) win.setFullScreen(true);
    win.show();
  });
  const saver = createWindowStateSaver(options.dataDir);
  const remember = () => saver.schedule(captureState(win));
  win.on('resize', remember);
  win.on('move', remember);
  win.on('maximize', remember);
  win.on('unmaximize', remember);
  win.on('enter-full-screen', remember);
  win.on('leave-full-screen', remember);
  win.on('close', () => void saver.flush(captureState(win)));
  win.webContents.setWindowOpenHandler(({ url }) => {
    // The app's own external links open in the user's browser; nothing else is opened, and
    // the app never spawns new windows.
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  // Navigation (links, redirects, frames) never leaves the app's own page.
  const stayInApp = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url, options.rendererIndexUrl, options.devServerUrl)) event.preventDefault();
  };
  win.webContents.on('will-navigate', stayInApp);
  win.webContents.on('will-redirect', stayInApp);
  win.webContents.on('will-frame-navigate', (event) => stayInApp(event, event.url));
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  void win.loadURL(options.devServerUrl ?? options.rendererIndexUrl);
  return win;
}
