import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { systemContract } from '../../shared/contracts/system';
import { createMediaResolver } from '../../main/media/resolve';
import { createServeHost } from '../../main/serve/host';
import { injectBridge } from '../../main/serve/static';
import { startServeServer, type ServeServer } from '../../main/serve/server';
import { createAppServices, type AppServices } from '../../main/services/index';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let base: string;
let server: ServeServer;
let services: AppServices;
let cookie: string;

/** Raw request: the path goes on the wire exactly as written (no URL normalisation). */
function request(
  rawPath: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: rawPath,
        method,
        headers: { host: `127.0.0.1:${server.port}`, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const authed = (rawPath: string, headers: Record<string, string> = {}) =>
  request(rawPath, { cookie, ...headers });

beforeAll(async () => {
  base = mkdtempSync(path.join(os.tmpdir(), 'segstudio-serve-'));
  const rendererDir = path.join(base, 'renderer');
  const dataRoot = path.join(base, 'data', 'camvid');
  const exportsDir = path.join(base, 'exports');
  for (const d of [path.join(rendererDir, 'assets'), dataRoot, `${dataRoot}-evil`, exportsDir]) {
    mkdirSync(d, { recursive: true });
  }
  writeFileSync(
    path.join(rendererDir, 'index.html'),
    '<!doctype html><html><head><script type="module" crossorigin src="./assets/app.js"></script></head><body><div id="app"></div></body></html>',
  );
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1);');
  writeFileSync(path.join(base, 'secret.txt'), 'TOP SECRET');
  writeFileSync(path.join(dataRoot, 'img.png'), 'PNGDATA');
  writeFileSync(path.join(dataRoot, 'a#b.png'), 'HASHDATA');
  writeFileSync(path.join(`${dataRoot}-evil`, 'x.png'), 'EVIL');
  writeFileSync(path.join(exportsDir, 'metrics.csv'), 'class,iou\n');
  symlinkSync(path.join(base, 'secret.txt'), path.join(dataRoot, 'link-out.png'));

  services = createAppServices(createServeHost(path.join(base, 'appdata')));
  server = await startServeServer({
    services,
    rendererDir,
    media: createMediaResolver({
      fileRoots: () => [dataRoot],
      exportsDir: () => exportsDir,
      sampleLayer: () => Promise.resolve(null),
    }),
    health: () => ({ project: null }),
  });
  const login = await request(`/?token=${server.token}`);
  cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
});

afterAll(async () => {
  await server.close();
  await services.dispose();
  rmSync(base, { recursive: true, force: true });
});

describe('serve: startup', () => {
  it('binds to loopback on a random port and prints a tokenised URL', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  });
});

describe('serve: other bind addresses', () => {
  it('prints a loopback URL when bound to every interface and accepts other Host names', async () => {
    const wide = await startServeServer({
      services,
      rendererDir: path.join(base, 'renderer'),
      media: createMediaResolver({
        fileRoots: () => [],
        exportsDir: () => null,
        sampleLayer: () => Promise.resolve(null),
      }),
      host: '0.0.0.0',
    });
    try {
      expect(wide.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      const r = await fetch(`${wide.origin}/api/health`, {
        headers: { authorization: `Bearer ${wide.token}` },
      });
      expect(r.status).toBe(200);
      expect((await fetch(`${wide.origin}/api/health`)).status).toBe(401);
    } finally {
      await wide.close();
    }
  });
});

describe('serve: authentication', () => {
  const routes = [
    '/',
    '/index.html',
    '/assets/app.js',
    '/bridge.js',
    '/api/health',
    '/api/other',
    '/media/file/0/img.png',
    '/media/export/metrics.csv',
    '/nope',
  ];
  for (const route of routes) {
    it(`refuses ${route} without the token or cookie`, async () => {
      const r = await request(route);
      expect(r.status).toBe(401);
      expect(r.body).not.toContain('PNGDATA');
    });
  }

  it('tells a browser how to get in with a static page, and scripts with plain text', async () => {
    const page = await request('/', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(page.status).toBe(401);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('segstudio serve');
    expect(page.body).not.toMatch(/<script|src=|href=/i);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const text = await request('/api/health', { accept: 'application/json' });
    expect(text.status).toBe(401);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('refuses a wrong token, a forged cookie and a wrong bearer', async () => {
    expect((await request('/?token=wrong')).status).toBe(401);
    expect((await request(`/?token=${server.token}x`)).status).toBe(401);
    expect(
      (await request('/api/health', { cookie: `segstudio_session_${server.port}=forged` })).status,
    ).toBe(401);
    expect((await request('/api/health', { authorization: 'Bearer nope' })).status).toBe(401);
  });

  it('swaps the token for an HttpOnly SameSite=Strict cookie and strips it from the URL', async () => {
    const r = await request(`/?token=${server.token}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const setCookie = String(r.headers['set-cookie']?.[0]);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(server.token);
    const deep = await request(`/index.html?x=1&token=${server.token}`);
    expect(deep.headers.location).toBe('/index.html?x=1');
    // No open redirect through the login step.
    for (const raw of [
      `//evil.example/?token=${server.token}`,
      `/\\evil.example/?token=${server.token}`,
    ]) {
      const r = await request(raw);
      expect(r.status, raw).toBe(303);
      expect(r.headers.location, raw).toMatch(/^\/(?!\/)/);
    }
  });

  it('answers /api/health with JSON once authorised (cookie or bearer token)', async () => {
    const r = await authed('/api/health');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, app: 'segstudio', project: null });
    const bearer = await request('/api/health', { authorization: `Bearer ${server.token}` });
    expect(bearer.status).toBe(200);
  });

  it('refuses foreign Host headers (DNS rebinding) and foreign Origins even with the cookie', async () => {
    expect((await authed('/api/health', { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await authed('/api/health', { host: '127.0.0.1:1' })).status).toBe(403);
    expect((await authed('/api/health', { origin: 'http://evil.example' })).status).toBe(403);
    expect((await request(`/?token=${server.token}`, { host: 'evil.example' })).status).toBe(403);
    expect((await authed('/api/health', { host: `localhost:${server.port}` })).status).toBe(200);
    const sameOrigin = await authed('/api/health', { origin: `http://127.0.0.1:${server.port}` });
    expect(sameOrigin.status).toBe(200);
  });

  it('only allows GET and HEAD', async () => {
    expect((await request('/api/health', { cookie }, 'POST')).status).toBe(405);
    expect((await request('/', { cookie }, 'HEAD')).status).toBe(200);
  });

  it('answers 401 to every method without the token, before saying which methods exist', async () => {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      for (const route of ['/api/health', '/', '/media/file/0/img.png']) {
        const r = await request(route, {}, method);
        expect(r.status, `${method} ${route}`).toBe(401);
        expect(r.headers.allow, `${method} ${route}`).toBeUndefined();
      }
    }
    // The token in the query of a non-GET request does not log in.
    const post = await request(`/?token=${server.token}`, {}, 'POST');
    expect(post.status).toBe(401);
    expect(post.headers['set-cookie']).toBeUndefined();
  });
});

describe('serve: headers', () => {
  it('sends CSP, nosniff and no-referrer on every response, refusals included', async () => {
    const replies = [
      await request('/'),
      await request(`/?token=${server.token}`),
      await authed('/'),
      await authed('/assets/app.js'),
      await authed('/media/file/0/missing.png'),
      await authed('/media/file/0/%2e%2e/x'),
    ];
    for (const r of replies) {
      expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(r.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
      expect(r.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
    }
  });
});

describe('serve: renderer and media', () => {
  it('serves index.html with the bridge injected before the module script', async () => {
    const r = await authed('/');
    expect(r.status).toBe(200);
    expect(r.body.indexOf('<script src="./bridge.js"></script>')).toBeGreaterThan(-1);
    expect(r.body.indexOf('bridge.js')).toBeLessThan(r.body.indexOf('type="module"'));
    expect(injectBridge(r.body)).toBe(r.body);
    expect((await authed('/assets/app.js')).headers['content-type']).toMatch(/javascript/);
  });

  it('serves media, including names with # when encoded', async () => {
    const img = await authed('/media/file/0/img.png');
    expect(img).toMatchObject({ status: 200, body: 'PNGDATA' });
    expect(img.headers['content-type']).toBe('image/png');
    expect((await authed('/media/file/0/a%23b.png')).body).toBe('HASHDATA');
    // Revalidation: an unchanged file answers 304 to its ETag.
    expect(img.headers.etag).toMatch(/^"[0-9a-z]+-[0-9a-z]+"$/);
    const again = await authed('/media/file/0/img.png', { 'if-none-match': img.headers.etag! });
    expect(again).toMatchObject({ status: 304, body: '' });
    const csv = await authed('/media/export/metrics.csv');
    expect(csv.headers['content-disposition']).toMatch(
      /^attachment; filename\*=UTF-8''metrics\.csv$/,
    );
  });

  const traversals: [string, number[]][] = [
    ['/media/file/0/../../secret.txt', [400]],
    ['/media/file/0/%2e%2e/%2e%2e/secret.txt', [400]],
    ['/media/file/0/%252e%252e/secret.txt', [400]],
    ['/media/file/0/..%2f..%2fsecret.txt', [400]],
    ['/media/file/0/..%5c..%5csecret.txt', [400]],
    ['/media/file/0/link-out.png', [403]],
    ['/media/%2fetc%2fpasswd', [400]],
    ['/media//etc/passwd', [400]],
    ['/media/file/0/C:%5csecret.txt', [400]],
    ['/media/file/0/img.png%00', [400]],
    ['/assets/../../secret.txt', [400]],
    ['/%2e%2e/secret.txt', [400]],
    ['/..%2fsecret.txt', [400]],
    ['/assets/%2e%2e/%2e%2e/secret.txt', [400]],
  ];
  it('treats # as the end of the path: a raw # never reaches another file', async () => {
    // The browser never sends a fragment; a client that does must not address anything else.
    for (const raw of ['/media/file/0/a#b.png', '/media/file/0/x#/../../secret.txt']) {
      const r = await authed(raw);
      expect(r.status, raw).toBe(404);
      expect(r.body).not.toMatch(/HASHDATA|TOP SECRET/);
    }
    expect((await authed('/media/file/0/a%23b.png')).body).toBe('HASHDATA');
  });

  for (const [raw, statuses] of traversals) {
    it(`refuses traversal ${raw}`, async () => {
      const r = await authed(raw);
      expect(statuses).toContain(r.status);
      expect(r.body).not.toContain('TOP SECRET');
      expect(r.body).not.toContain('EVIL');
    });
  }
});

describe('serve: WebSocket', () => {
  const wsUrl = () => `ws://127.0.0.1:${server.port}/ws`;

  function refusedStatus(headers: Record<string, string>, url = wsUrl()): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        reject(new Error('WebSocket was accepted'));
      });
      ws.on('error', () => undefined);
    });
  }

  it('refuses upgrades without the cookie, with a foreign Origin or on another path', async () => {
    expect(await refusedStatus({})).toBe(401);
    expect(await refusedStatus({ cookie: `segstudio_session_${server.port}=forged` })).toBe(401);
    expect(await refusedStatus({ cookie, origin: 'http://evil.example' })).toBe(403);
    expect(await refusedStatus({ cookie }, `ws://127.0.0.1:${server.port}/other`)).toBe(404);
  });

  it('dispatches calls through the contract and forwards events', async () => {
    const ws = new WebSocket(wsUrl(), {
      headers: { cookie, origin: `http://127.0.0.1:${server.port}` },
    });
    const messages: unknown[] = [];
    const waitFor = (pred: (m: Record<string, unknown>) => boolean) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const check = () => {
          const hit = messages.find((m) => pred(m as Record<string, unknown>));
          if (hit) resolve(hit as Record<string, unknown>);
          else setTimeout(check, 10);
        };
        check();
      });
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.on('open', resolve));

    ws.send(
      JSON.stringify({ type: 'call', id: 1, channel: 'system:ping', payload: { nonce: 'n1' } }),
    );
    const pong = await waitFor((m) => m['id'] === 1);
    expect(pong).toMatchObject({ type: 'result', result: { ok: true, value: { nonce: 'n1' } } });

    ws.send(JSON.stringify({ type: 'call', id: 2, channel: 'system:ping', payload: { nonce: 5 } }));
    expect(await waitFor((m) => m['id'] === 2)).toMatchObject({
      result: { ok: false, error: { code: 'invalid_payload' } },
    });

    ws.send(JSON.stringify({ type: 'call', id: 3, channel: 'fs:readFile', payload: {} }));
    expect(await waitFor((m) => m['id'] === 3)).toMatchObject({
      result: { ok: false, error: { code: 'unknown_channel' } },
    });

    services.events.emit(systemContract, 'notice', { level: 'info', message: 'hello' });
    expect(await waitFor((m) => m['type'] === 'event')).toMatchObject({
      channel: 'system@notice',
      payload: { message: 'hello' },
    });
    ws.close();
  });

  it('closes the socket on a malformed message', async () => {
    const ws = new WebSocket(wsUrl(), { headers: { cookie } });
    await new Promise((resolve) => ws.on('open', resolve));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send('not json');
    expect(await closed).toBe(1007);
  });
});
