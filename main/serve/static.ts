import { createReadStream, promises as fs } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { confineToRoots, decodeMediaSegments } from '../media/resolve';
import { sendText } from './headers';

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

const BRIDGE_TAG = '<script src="./bridge.js"></script>';

/**
 * The built index.html with the serve bridge injected before the app's module script: the
 * classic bridge script runs during parsing, module scripts only after it, so the renderer
 * always finds `window.segstudioTransport` installed.
 */
export function injectBridge(html: string): string {
  if (html.includes(BRIDGE_TAG)) return html;
  const at = html.search(/<script\b[^>]*type=["']?module/i);
  if (at >= 0) return `${html.slice(0, at)}${BRIDGE_TAG}\n    ${html.slice(at)}`;
  return html.replace(/<\/head>/i, `  ${BRIDGE_TAG}\n  </head>`);
}

export interface StaticSite {
  serve(pathname: string, res: ServerResponse, headOnly: boolean): Promise<void>;
}

export function createStaticSite(rendererDir: string): StaticSite {
  let indexHtml: string | undefined;
  const readIndex = async (): Promise<string | null> => {
    if (indexHtml !== undefined) return indexHtml;
    try {
      indexHtml = injectBridge(await fs.readFile(path.join(rendererDir, 'index.html'), 'utf8'));
      return indexHtml;
    } catch {
      return null;
    }
  };

  return {
    async serve(pathname, res, headOnly) {
      const relative = pathname.replace(/^\/+/, '');
      if (relative === '' || relative === 'index.html') {
        const html = await readIndex();
        if (html === null) {
          sendText(res, 503, 'The renderer is not built: run `npm run build` and restart serve.');
          return;
        }
        res.statusCode = 200;
        res.setHeader('Content-Type', STATIC_TYPES['.html']!);
        res.setHeader('Cache-Control', 'no-store');
        res.end(headOnly ? undefined : html);
        return;
      }
      const segments = decodeMediaSegments(relative);
      if (!segments) return sendText(res, 400, 'Bad path');
      const found = await confineToRoots(path.join(rendererDir, ...segments), [rendererDir]);
      if (!found.ok) return sendText(res, found.status === 403 ? 403 : 404, 'Not found');
      res.statusCode = 200;
      res.setHeader(
        'Content-Type',
        STATIC_TYPES[path.extname(found.file).toLowerCase()] ?? 'application/octet-stream',
      );
      res.setHeader('Content-Length', String(found.size));
      // Vite's hashed asset names change with their content.
      res.setHeader(
        'Cache-Control',
        segments[0] === 'assets' ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      if (headOnly) return void res.end();
      createReadStream(found.file).pipe(res);
    },
  };
}
