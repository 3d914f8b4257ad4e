// A fast, bounded reachability check (proxy aware) so setup skips an unreachable download in seconds.
// Its own file: only the download sources need the network.

import http from 'node:http';
import https from 'node:https';

import { fmtMs } from './util-log.mjs';

// ---------------------------------------------------------------------------
// Network reachability (fast, bounded)
// ---------------------------------------------------------------------------

function proxyFor(url) {
  const u = new URL(url);
  const noProxy = (process.env.NO_PROXY || process.env.no_proxy || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (
    noProxy.some(
      (np) =>
        np === '*' || u.hostname === np || u.hostname.endsWith(np.startsWith('.') ? np : `.${np}`),
    )
  )
    return null;
  const p =
    u.protocol === 'https:'
      ? process.env.HTTPS_PROXY ||
        process.env.https_proxy ||
        process.env.HTTP_PROXY ||
        process.env.http_proxy
      : process.env.HTTP_PROXY || process.env.http_proxy;
  return p ? new URL(p) : null;
}

/**
 * Is `url` reachable within timeoutMs? Does a HEAD request (no body transfer).
 * With an HTTP(S)_PROXY configured, checks that the proxy accepts a CONNECT to the host.
 * Resolves to { ok, status?, error?, ms, via? } and never rejects.
 * `okStatus(status)` decides which HTTP statuses count as reachable (default: any < 400).
 */
export function checkUrl(url, { timeoutMs = 5000, okStatus = (s) => s < 400 } = {}) {
  const t0 = Date.now();
  const u = new URL(url);
  const proxy = proxyFor(url);
  return new Promise((resolve) => {
    let done = false;
    const finish = (res) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...res, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => {
      finish({ ok: false, error: `no answer within ${fmtMs(timeoutMs)}` });
      try {
        req?.destroy();
      } catch {
        /* ignore */
      }
    }, timeoutMs);
    let req;
    try {
      if (proxy) {
        const port = u.port || (u.protocol === 'https:' ? 443 : 80);
        req = http.request({
          host: proxy.hostname,
          port: proxy.port || 80,
          method: 'CONNECT',
          path: `${u.hostname}:${port}`,
          headers: { host: `${u.hostname}:${port}` },
        });
        req.on('connect', (res, socket) => {
          socket.destroy();
          finish({ ok: res.statusCode === 200, status: res.statusCode, via: proxy.host });
        });
      } else {
        const mod = u.protocol === 'https:' ? https : http;
        req = mod.request(
          u,
          { method: 'HEAD', headers: { 'user-agent': 'segstudio-setup' } },
          (res) => {
            res.resume();
            finish({ ok: okStatus(res.statusCode), status: res.statusCode });
          },
        );
      }
      req.on('error', (err) => finish({ ok: false, error: err.code || err.message }));
      req.end();
    } catch (err) {
      finish({ ok: false, error: err.message });
    }
  });
}

export function netTimeoutMs() {
  const v = Number(process.env.SEGSTUDIO_NET_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : 5000;
}
