/**
 * `app://segstudio/...`: the renderer's own pages and assets, served from the built renderer
 * folder through a privileged custom scheme instead of `file://` (Electron's security
 * checklist, item 18). A `file://` page shares its origin with every file on the disk; this
 * origin holds exactly the renderer's out folder. Kept free of `electron` (protocol.ts is the
 * thin shell) so the path resolution, types and headers are tested in plain Node.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { confineToRoots, decodeMediaSegments } from '../media/resolve';
import { CONTENT_SECURITY_POLICY } from './security';

export const APP_SCHEME = 'app';
export const APP_HOST = 'segstudio';
/** The page the window loads; routes live in the hash (`#/browse`). */
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** What the renderer build contains; anything else (source maps, stray files) is not served. */
const APP_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

export type AppAsset =
  | {
      readonly ok: true;
      readonly file: string;
      readonly contentType: string;
      readonly size: number;
    }
  | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: string };

/**
 * The file inside `rendererDir` an `app://` URL names: same host only, `/` is index.html,
 * every segment decoded once and refused if it could climb out, and the file confined to the
 * folder after following symlinks.
 */
export async function resolveAppAsset(rendererDir: string, url: string): Promise<AppAsset> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'bad URL' };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) {
    return { ok: false, status: 404, reason: 'not an app URL' };
  }
  const raw = parsed.pathname.replace(/^\//, '') || 'index.html';
  const segments = decodeMediaSegments(raw);
  if (!segments) return { ok: false, status: 400, reason: 'unsafe path' };
  const contentType = APP_TYPES[path.extname(raw).toLowerCase()];
  if (!contentType) return { ok: false, status: 404, reason: 'not a renderer asset' };
  const found = await confineToRoots(path.join(rendererDir, ...segments), [rendererDir]);
  if (!found.ok) return found;
  return { ok: true, file: found.file, contentType, size: found.size };
}

/** The `protocol.handle` answer for one `app://` request. */
export async function appAssetResponse(rendererDir: string, url: string): Promise<Response> {
  const asset = await resolveAppAsset(rendererDir, url);
  const common = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' };
  if (!asset.ok) {
    return new Response(`Not served: ${asset.reason}`, {
      status: asset.status,
      headers: { ...common, 'Content-Type': 'text/plain; charset=utf-8' },
    });
  }
  const body = Readable.toWeb(createReadStream(asset.file)) as ReadableStream<Uint8Array>;
  return new Response(body, {
    status: 200,
    headers: {
      ...common,
      'Content-Type': asset.contentType,
      'Content-Length': String(asset.size),
      // The same policy as the page's meta tag, now also as a header (file:// had none).
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    },
  });
}
