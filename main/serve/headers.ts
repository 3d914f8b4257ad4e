import type { ServerResponse } from 'node:http';
import { contentSecurityPolicy } from '../../shared/csp';

/** Sent on every serve-mode response, errors included. */
export const SERVE_CSP = contentSecurityPolicy({ img: ['data:', 'blob:'], font: ['data:'] });

export function applySecurityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', SERVE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(`${text}\n`);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(value));
}

const UNAUTHORISED_TEXT =
  'Seg Studio: not authorised. Open the URL `segstudio serve` printed (it carries the token).';

/**
 * What a browser shows without the session: a readable page saying how to get in (static, no
 * script, nothing about the project). Scripts and API clients get the same words as text.
 */
const UNAUTHORISED_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Seg Studio — not authorised</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{margin:0;min-height:100vh;display:grid;place-items:center;background:#0d0f13;color:#e7eaf0;
font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
main{max-width:460px;padding:28px 32px;border:1px solid #262b35;border-radius:10px;background:#13161c}
h1{margin:0 0 8px;font-size:18px}p{margin:8px 0;color:#aab2bf}
code{padding:1px 5px;border-radius:4px;background:#20252e;color:#e7eaf0;font-size:13px}
</style></head>
<body><main>
<h1>Seg Studio: not authorised</h1>
<p>This server only answers the browser that opened the link it printed.</p>
<p>Open the full URL that <code>segstudio serve</code> printed in its terminal (it ends with
<code>/?token=…</code>). Lost it? Stop the server and start <code>segstudio serve</code> again.</p>
</main></body></html>
`;

/** 401 for a request without the session cookie or token: HTML for browsers, text otherwise. */
export function sendUnauthorised(res: ServerResponse, accept: string | undefined): void {
  if (!/\btext\/html\b/.test(accept ?? '')) return sendText(res, 401, UNAUTHORISED_TEXT);
  res.statusCode = 401;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(UNAUTHORISED_HTML);
}
