import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { isInlineType, type MediaResolver } from '../media/resolve';
import { sendText } from './headers';

/** Streams one resolved media file; refusals keep the resolver's 400/403/404 status. */
export async function serveMedia(
  resolver: MediaResolver,
  rawPath: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const found = await resolver.resolve(rawPath);
  if (!found.ok) return sendText(res, found.status, `Media refused: ${found.reason}`);
  // Masks and thumbnails are regenerated in place (new evaluation, edited colours): the
  // browser revalidates every time, and an unchanged file costs a 304, not its bytes.
  const etag = `"${found.size.toString(36)}-${Math.floor(found.mtimeMs).toString(36)}"`;
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('ETag', etag);
  if (req.headers['if-none-match'] === etag) {
    res.statusCode = 304;
    return void res.end();
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', found.contentType);
  res.setHeader('Content-Length', String(found.size));
  if (!isInlineType(found.contentType)) {
    const name = path.basename(found.file);
    res.setHeader(
      'Content-Disposition',
      `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
    );
  }
  if (req.method === 'HEAD') return void res.end();
  const stream = createReadStream(found.file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
