import { protocol } from 'electron';
import { ELECTRON_MEDIA_SCHEME } from '../../shared/ipc/wire';
import { mediaResponse } from '../media/response';
import type { MediaResolver } from '../media/resolve';

/**
 * `segmedia://media/...` serves project images and masks to the sandboxed renderer through
 * the same resolver as serve mode's `/media/` route. Must run before `app` is ready.
 */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
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

/** Installs the handler (after `app` is ready). */
export function handleMediaProtocol(resolver: MediaResolver): void {
  protocol.handle(ELECTRON_MEDIA_SCHEME, (request) => mediaResponse(resolver, request.url));
}
