/**
 * The content security policy of the app's page, shared by both hosts so they cannot drift:
 * the Electron shell (`app://` responses and the window's headers) and `segstudio serve`. The
 * renderer needs inline styles (Vue style bindings) but no inline or remote script;
 * `connect-src 'self'` covers serve mode's same-origin WebSocket. The hosts differ only in
 * where images come from and whether fonts are allowed.
 */

export interface CspSources {
  /** Sources of `img-src` besides `'self'`. */
  readonly img: readonly string[];
  /** Sources of `font-src` besides `'self'`; absent: no `font-src` directive. */
  readonly font?: readonly string[];
}

export function contentSecurityPolicy(sources: CspSources): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    ["img-src 'self'", ...sources.img].join(' '),
    ...(sources.font ? [["font-src 'self'", ...sources.font].join(' ')] : []),
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
