import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { isInlineType, type MediaResolver } from '../media/resolve';
import { sendText } from './headers';

/** Streams one resolved media file; refusals keep the resolver's 400/403/404 status. */
export async function serveMedia(
  resolver: MediaResolver,
  rawPath: string,
  res: ServerResponse,
  headOnly: boolean,
): Promise<void> {
  const found = await resolver.resolve(rawPath);
  if (!found.ok) return sendText(res, found.status, `Media refused: ${found.reason}`);
  res.statusCode = 200;
  res.setHeader('Content-Type', found.contentType);
  res.setHeader('Content-Length', String(found.size));
  // Masks and thumbnails are regenerated in place (new evaluation, edited colours).
  res.setHeader('Cache-Control', 'no-cache');
  if (!isInlineType(found.contentType)) {
    const name = path.basename(found.file);
    res.setHeader(
      'Content-Disposition',
      `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
    );
  }
  if (headOnly) return void res.end();
  const stream = createReadStream(found.file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
