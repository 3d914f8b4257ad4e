// Pure policy helpers for the Electron shell, kept free of `electron` imports so they are
// unit-tested in plain Node.

/** webPreferences for every window: sandboxed, isolated, no Node in the page. */
export function hardenedWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    spellcheck: false,
    webviewTag: false,
  } as const;
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: segmedia:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The app's own pages are file:// URLs under the renderer folder (or the dev server in
 * development); anything else is a navigation the shell must refuse.
 */
export function isAppUrl(url: string, rendererIndexUrl: string, devServerUrl?: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (devServerUrl) {
    const dev = new URL(devServerUrl);
    if (target.origin === dev.origin) return true;
  }
  const index = new URL(rendererIndexUrl);
  // The host too: `file://server/<same path>` is a UNC share on Windows, not the app.
  return (
    target.protocol === 'file:' && target.host === index.host && target.pathname === index.pathname
  );
}

/** Only IPC from the app's own top-level frame is served. */
export function isTrustedSender(
  frameUrl: string | undefined,
  rendererIndexUrl: string,
  devServerUrl?: string,
): boolean {
  return frameUrl !== undefined && isAppUrl(frameUrl, rendererIndexUrl, devServerUrl);
}
