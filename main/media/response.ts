import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ELECTRON_MEDIA_SCHEME } from '../../shared/ipc/wire';
import { isInlineType, type MediaResolver } from './resolve';

/** The only host of the media scheme: `segmedia://media/<media path>`. */
export const MEDIA_HOST = 'media';

/**
 * Web `Response` for a media URL of the Electron custom protocol. Kept free of `electron`
 * so the exact bytes and statuses the shell returns are tested in plain Node.
 */
export async function mediaResponse(resolver: MediaResolver, url: string): Promise<Response> {
  const refuse = (status: number, text: string) =>
    new Response(text, {
      status,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse(400, 'Bad URL');
  }
  if (parsed.protocol !== `${ELECTRON_MEDIA_SCHEME}:` || parsed.host !== MEDIA_HOST) {
    return refuse(404, 'Not found');
  }
  // The path stays percent-encoded here; the resolver decodes each segment exactly once.
  const found = await resolver.resolve(parsed.pathname.replace(/^\//, ''));
  if (!found.ok) return refuse(found.status, `Media refused: ${found.reason}`);
  const headers: Record<string, string> = {
    'Content-Type': found.contentType,
    'Content-Length': String(found.size),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    // The renderer is an app:// page, so these images are cross-origin to it: reading the
    // index masks' pixels (hover lookup) needs CORS. Only the app's own pages can load this
    // scheme (navigation is locked to them), and it carries no credentials.
    'Access-Control-Allow-Origin': '*',
  };
  if (!isInlineType(found.contentType)) {
    headers['Content-Disposition'] =
      `attachment; filename*=UTF-8''${encodeURIComponent(path.basename(found.file))}`;
  }
  const body = Readable.toWeb(createReadStream(found.file)) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}
