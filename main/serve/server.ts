import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { MEDIA_ROUTE, WS_PATH } from '../../shared/ipc/wire';
import type { MediaResolver } from '../media/resolve';
import type { AppServices } from '../services/index';
import { appVersion } from '../paths';
import { createAuthPolicy, type AuthPolicy } from './auth';
import { applySecurityHeaders, sendJson, sendText, sendUnauthorised } from './headers';
import { serveMedia } from './media-route';
import { createStaticSite } from './static';
import { createWsAdapter } from './ws-adapter';

export interface ServeServerOptions {
  readonly services: AppServices;
  readonly media: MediaResolver;
  /** Built renderer folder (out/renderer). */
  readonly rendererDir: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Fixed token (tests); random 32 bytes otherwise. */
  readonly token?: string;
  /** Extra fields for /api/health (e.g. the open project's name). */
  readonly health?: () => Record<string, unknown>;
}

export interface ServeServer {
  readonly port: number;
  readonly host: string;
  /** `http://host:port` */
  readonly origin: string;
  /** The URL to print: origin + `/?token=...`. */
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The address-bar URL minus the token, so it never lingers in history or screenshots. */
function withoutToken(url: URL): string {
  url.searchParams.delete('token');
  const query = url.searchParams.toString();
  // One leading slash only: `//host` (or `/\host`, which URL parsing turns into it) would
  // redirect off-site.
  const pathname = `/${url.pathname.replace(/^\/+/, '')}`;
  return `${pathname}${query ? `?${query}` : ''}`;
}

function rawPathname(req: IncomingMessage): string {
  const raw = req.url ?? '/';
  const q = raw.search(/[?#]/);
  return q < 0 ? raw : raw.slice(0, q);
}

export async function startServeServer(options: ServeServerOptions): Promise<ServeServer> {
  const host = options.host ?? '127.0.0.1';
  const site = createStaticSite(options.rendererDir);
  const ws = createWsAdapter(options.services);
  // The policy needs the port (cookie name, allowed Host), known only once listening.
  const ready: { auth?: AuthPolicy } = {};

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    applySecurityHeaders(res);
    const auth = ready.auth;
    if (!auth) return sendText(res, 503, 'Starting');
    if (!auth.isAllowedHost(req.headers.host)) return sendText(res, 403, 'Host not allowed');
    if (!auth.isAllowedOrigin(req.headers.origin, req.headers.host)) {
      return sendText(res, 403, 'Origin not allowed');
    }
    const method = req.method ?? 'GET';
    const readOnly = method === 'GET' || method === 'HEAD';
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (readOnly && auth.tokenInQuery(url)) {
      res.statusCode = 303;
      res.setHeader('Set-Cookie', auth.sessionCookie());
      res.setHeader('Location', withoutToken(url));
      res.setHeader('Cache-Control', 'no-store');
      return void res.end();
    }
    // Authentication comes before anything else about the request, so a caller without the
    // token learns nothing (not even which methods exist).
    if (!auth.isAuthorised(req)) return sendUnauthorised(res, req.headers.accept);
    if (!readOnly) {
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, 405, 'Method not allowed');
    }

    const pathname = rawPathname(req);
    const headOnly = method === 'HEAD';
    if (pathname === '/api/health') {
      return sendJson(res, 200, {
        ok: true,
        app: 'segstudio',
        version: appVersion(),
        ...(options.health?.() ?? {}),
      });
    }
    if (pathname.startsWith('/api/')) return sendText(res, 404, 'Not found');
    if (pathname.startsWith(MEDIA_ROUTE)) {
      return serveMedia(options.media, pathname.slice(MEDIA_ROUTE.length), req, res);
    }
    return site.serve(pathname, res, headOnly);
  };

  const refuseUpgrade = (socket: Duplex, status: number, text: string): void => {
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
    );
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendText(res, 500, 'Internal error');
      else res.destroy();
      process.stderr.write(
        `segstudio serve: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const auth = ready.auth;
    if (!auth) return refuseUpgrade(socket, 503, 'Service Unavailable');
    if (rawPathname(req) !== WS_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (!auth.isAllowedHost(req.headers.host)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (!auth.isAllowedOrigin(req.headers.origin, req.headers.host)) {
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    if (!auth.isAuthorised(req)) return refuseUpgrade(socket, 401, 'Unauthorized');
    ws.handleUpgrade(req, socket, head);
  });
  // Slow-loris and idle sockets must not keep a headless box's port busy forever.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const auth = createAuthPolicy({ boundHost: host, port, token: options.token });
  ready.auth = auth;
  // Bound to every interface: print the loopback URL, which always works on this machine.
  const wildcard = host === '0.0.0.0' || host === '::';
  const origin = `http://${wildcard ? '127.0.0.1' : urlHost(host)}:${port}`;
  return {
    port,
    host,
    origin,
    url: `${origin}/?token=${auth.token}`,
    token: auth.token,
    async close() {
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
