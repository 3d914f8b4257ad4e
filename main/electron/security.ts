// Pure policy helpers for the Electron shell, kept free of `electron` imports so they are
// unit-tested in plain Node.
import { contentSecurityPolicy } from '../../shared/csp';
import { EXTERNAL_LINKS } from '../../shared/external-links';

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

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy({
  img: ['data:', 'blob:', 'segmedia:'],
});

/**
 * The app's own page is `app://segstudio/index.html` (app-scheme.ts; or the dev server in
 * development): same scheme, host and path as the index, any query or hash (the router's).
 * Anything else, `file://` included, is a navigation the shell must refuse.
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
  // The host too: for file:// a host is a UNC share on Windows; for app:// another origin.
  return (
    target.protocol === index.protocol &&
    target.host === index.host &&
    target.pathname === index.pathname
  );
}

const ALLOWED_EXTERNAL = new Set<string>(Object.values(EXTERNAL_LINKS));

/**
 * True only for a link the app itself shows (shared/external-links.ts), compared after URL
 * parsing so `HTTPS://WWW.tensorflow.org/...` matches and look-alikes, credentials, other ports,
 * paths or queries do not. A fragment is allowed (it only scrolls the page).
 */
export function isAllowedExternalUrl(url: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol !== 'https:' || target.username || target.password) return false;
  target.hash = '';
  return ALLOWED_EXTERNAL.has(target.href);
}

/** Only IPC from the app's own top-level frame is served. */
export function isTrustedSender(
  frameUrl: string | undefined,
  rendererIndexUrl: string,
  devServerUrl?: string,
): boolean {
  return frameUrl !== undefined && isAppUrl(frameUrl, rendererIndexUrl, devServerUrl);
}
