import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openBrowser,
  screenshot,
  startServe,
  stop,
  type BrowserHandle,
  type ServeHandle,
} from './harness';

// Serve mode's security as a browser sees it: nothing without the token, no path escapes,
// strict headers; and with the token the app itself loads.
let serve: ServeHandle;
let anonymous: BrowserHandle;

beforeAll(async () => {
  serve = await startServe();
  anonymous = await openBrowser();
});

afterAll(() => stop());

function rawGet(
  port: number,
  rawPath: string,
  cookie = '',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: rawPath, headers: { cookie } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

type Invoke = (channel: string, payload: unknown) => Promise<unknown>;

describe('serve mode security in chromium', () => {
  it('refuses the app, the API and media without the token', async () => {
    const { page } = anonymous;
    for (const route of ['/', '/api/health', '/bridge.js', '/media/sample/train/x/thumb']) {
      const response = await page.goto(`${serve.origin}${route}`);
      expect(response?.status(), route).toBe(401);
    }
    expect(await page.textContent('body')).toContain('not authorised');
    const wrong = await page.goto(`${serve.origin}/?token=not-the-token`);
    expect(wrong?.status()).toBe(401);
    await screenshot(page, 'security-no-token');
  });

  it('refuses the WebSocket to a page without the session cookie', async () => {
    const { page } = anonymous;
    await page.goto(`${serve.origin}/api/health`);
    const outcome = await page.evaluate(
      (origin) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws`);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
          setTimeout(() => resolve('timeout'), 5000);
        }),
      serve.origin,
    );
    expect(outcome).toBe('refused');
  });

  it('loads the app with the token, drops the token from the URL and shows the backend', async () => {
    const { page, context } = await openBrowser();
    const response = await page.goto(serve.url);
    expect(response?.status()).toBe(200);
    // The hash router may add `#/`; what matters is that the token is gone.
    expect(page.url().startsWith(`${serve.origin}/`)).toBe(true);
    expect(page.url()).not.toContain('token');
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookies[0]?.value).not.toBe(serve.token);

    const backendName = page.getByTestId('backend-name');
    await backendName.waitFor({ timeout: 30_000 });
    const info = (await page.evaluate(() =>
      (
        window as unknown as {
          segstudioTransport: { invoke(channel: string, payload: unknown): Promise<unknown> };
        }
      ).segstudioTransport.invoke('system:info', {}),
    )) as { backend: { backend: string }; host: string };
    expect(info.host).toBe('serve');
    expect(await backendName.textContent()).toContain(info.backend.backend);
    await screenshot(page, 'security-start-with-token');

    const health = await page.goto(`${serve.origin}/api/health`);
    expect(health?.status()).toBe(200);
    expect(JSON.parse((await health?.text()) ?? '{}')).toMatchObject({
      ok: true,
      app: 'segstudio',
    });

    // Traversal attempts from the logged-in browser (encoded, so chromium sends them as is).
    for (const route of [
      '/media/file/0/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/media/file/0/..%2f..%2f..%2fetc%2fpasswd',
      '/media/file/0/%252e%252e/etc/passwd',
      '/media/%2fetc%2fpasswd',
      '/media/file/0/..%5c..%5cetc%5cpasswd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    ]) {
      const r = await page.goto(`${serve.origin}${route}`);
      expect([400, 403, 404], route).toContain(r?.status());
      expect(await r?.text()).not.toMatch(/root:|"name": "seg-studio"/);
    }

    // Raw dot segments (browsers fold them, so send them from Node with the browser's cookie).
    const cookie = `${cookies[0]?.name}=${cookies[0]?.value}`;
    for (const raw of [
      '/media/file/0/../../../etc/passwd',
      '/../package.json',
      '/assets/../../package.json',
    ]) {
      const r = await rawGet(serve.port, raw, cookie);
      expect([400, 403, 404], raw).toContain(r.status);
      expect(r.body).not.toMatch(/root:|seg-studio/);
    }
  });

  it('loads media for the logged-in page over the bridge and refuses it to other origins', async () => {
    const { page } = await openBrowser(serve.url);
    await page.getByTestId('backend-name').waitFor({ timeout: 30_000 });
    const thumb = await page.evaluate(async () => {
      const transport = (window as unknown as { segstudioTransport: { invoke: Invoke } })
        .segstudioTransport;
      const invoke: Invoke = (channel, payload) => transport.invoke(channel, payload);
      await invoke('project:openSample', {});
      const rows = (await invoke('dataset:samples', { split: 'val', limit: 1 })) as {
        items: { thumb: string }[];
      };
      const img = new Image();
      img.src = `/media/${rows.items[0]!.thumb}`;
      await img.decode();
      return { width: img.naturalWidth, src: img.src };
    });
    expect(thumb.width).toBeGreaterThan(0);
    // The same URL from a context without the cookie is refused.
    const r = await anonymous.page.goto(thumb.src);
    expect(r?.status()).toBe(401);
  });

  it('enforces the CSP: an injected inline script does not run', async () => {
    const { page } = await openBrowser(serve.url);
    const violations: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
    });
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__pwned = true;';
      document.body.appendChild(script);
    });
    expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBe(
      undefined,
    );
    expect(violations.length).toBeGreaterThan(0);
  });
});
