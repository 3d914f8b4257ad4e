import { protocol } from 'electron';
import { ELECTRON_MEDIA_SCHEME } from '../../shared/ipc/wire';
import { mediaResponse } from '../media/response';
import type { MediaResolver } from '../media/resolve';
import { APP_SCHEME, appAssetResponse } from './app-scheme';

/**
 * The two custom schemes of the shell (thin: the responses are built in app-scheme.ts and
 * media/response.ts, tested in Node):
 *   `app://segstudio/...`   the renderer itself, from its out folder only (instead of file://)
 *   `segmedia://media/...`  project images and masks, through serve mode's media resolver
 * Both are standard + secure so the page gets a real origin, a secure context, fetch and CSP.
 * Must run before `app` is ready.
 */
export function registerAppSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true },
    },
    {
      scheme: ELECTRON_MEDIA_SCHEME,
      privileges: {
        standard: true,
        secure: true,
        supportFetchAPI: true,
        stream: true,
        corsEnabled: true,
      },
    },
  ]);
}

/** Installs both handlers (after `app` is ready). */
export function handleAppProtocols(rendererDir: string, resolver: MediaResolver): void {
  protocol.handle(APP_SCHEME, (request) => appAssetResponse(rendererDir, request.url));
  protocol.handle(ELECTRON_MEDIA_SCHEME, (request) => mediaResponse(resolver, request.url));
}
