/**
 * Serve-mode authentication. The printed URL carries a random token; opening it once swaps
 * the token for an HttpOnly, SameSite=Strict session cookie (so the token leaves the address
 * bar and history), and every later HTTP or WebSocket request must carry that cookie (or the
 * token as a Bearer header, for scripts). Host and Origin checks stop DNS rebinding and
 * cross-site pages from riding on the cookie.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

export interface AuthPolicy {
  readonly token: string;
  readonly cookieName: string;
  /** `Set-Cookie` value that opens a session. */
  sessionCookie(): string;
  isAuthorised(req: IncomingMessage): boolean;
  /** The token from `?token=` if it is the right one. */
  tokenInQuery(url: URL): boolean;
  /** Host header names this server (DNS-rebinding defence). */
  isAllowedHost(hostHeader: string | undefined): boolean;
  /** Origin, when present, must be this server itself. */
  isAllowedOrigin(origin: string | undefined, hostHeader: string | undefined): boolean;
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function createAuthPolicy(options: {
  boundHost: string;
  port: number;
  token?: string;
}): AuthPolicy {
  const token = options.token ?? newSecret();
  const session = newSecret();
  // Cookies are not port-scoped: name it per port so two servers on one machine coexist.
  const cookieName = `segstudio_session_${options.port}`;
  const bound = formatHost(options.boundHost);
  const allowedHosts = new Set(
    [...LOOPBACK_NAMES, bound].map((name) => `${name}:${options.port}`.toLowerCase()),
  );
  const anyHost = WILDCARD_HOSTS.has(options.boundHost) || WILDCARD_HOSTS.has(bound);

  const isAllowedHost = (hostHeader: string | undefined): boolean => {
    if (!hostHeader) return false;
    if (anyHost) return true; // the user chose to expose the server; the token still guards it
    return allowedHosts.has(hostHeader.toLowerCase());
  };

  return {
    token,
    cookieName,
    sessionCookie: () => `${cookieName}=${session}; HttpOnly; SameSite=Strict; Path=/`,
    isAuthorised(req) {
      const cookie = parseCookies(req.headers.cookie).get(cookieName);
      if (cookie !== undefined && sameSecret(cookie, session)) return true;
      const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
      return bearer?.[1] !== undefined && sameSecret(bearer[1], token);
    },
    tokenInQuery(url) {
      const candidate = url.searchParams.get('token');
      return candidate !== null && sameSecret(candidate, token);
    },
    isAllowedHost,
    isAllowedOrigin(origin, hostHeader) {
      if (origin === undefined) return true; // not a browser page (curl, scripts)
      if (!hostHeader) return false;
      return (
        origin.toLowerCase() === `http://${hostHeader.toLowerCase()}` && isAllowedHost(hostHeader)
      );
    },
  };
}
