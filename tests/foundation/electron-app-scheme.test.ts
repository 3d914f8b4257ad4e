import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_INDEX_URL, appAssetResponse, resolveAppAsset } from '../../main/electron/app-scheme';
import { CONTENT_SECURITY_POLICY } from '../../main/electron/security';

// What the app:// protocol handler answers, on a real renderer folder with a secret beside it
// and symlinks pointing in and out: only the renderer's own files, with their types and CSP.
let base: string;
let renderer: string;

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'segstudio-app-scheme-'));
  renderer = path.join(base, 'out', 'renderer');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  mkdirSync(`${renderer}-evil`, { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Seg Studio</title>');
  writeFileSync(path.join(renderer, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(path.join(renderer, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(path.join(renderer, 'assets', 'index-abc.js.map'), '{}');
  writeFileSync(path.join(renderer, 'assets', 'font.woff2'), 'wOF2');
  writeFileSync(path.join(renderer, 'assets', 'icon.svg'), '<svg/>');
  writeFileSync(path.join(base, 'secret.js'), 'SECRET');
  writeFileSync(path.join(`${renderer}-evil`, 'x.js'), 'EVIL');
  symlinkSync(path.join(base, 'secret.js'), path.join(renderer, 'assets', 'link-out.js'));
  symlinkSync(path.join(renderer, 'index.html'), path.join(renderer, 'link-in.html'));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

const url = (p: string) => `app://segstudio/${p}`;

describe('app:// scheme', () => {
  it('serves the index and the built assets with their MIME types and the CSP', async () => {
    const expected: [string, string][] = [
      [APP_INDEX_URL, 'text/html; charset=utf-8'],
      ['app://segstudio/', 'text/html; charset=utf-8'],
      [`${APP_INDEX_URL}#/browse`, 'text/html; charset=utf-8'],
      [url('assets/index-abc.js'), 'text/javascript; charset=utf-8'],
      [url('assets/index-abc.css'), 'text/css; charset=utf-8'],
      [url('assets/font.woff2'), 'font/woff2'],
      [url('assets/icon.svg'), 'image/svg+xml'],
      [url('link-in.html'), 'text/html; charset=utf-8'],
    ];
    for (const [u, type] of expected) {
      const r = await appAssetResponse(renderer, u);
      expect(r.status, u).toBe(200);
      expect(r.headers.get('content-type'), u).toBe(type);
      expect(r.headers.get('content-security-policy'), u).toBe(CONTENT_SECURITY_POLICY);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const index = await appAssetResponse(renderer, APP_INDEX_URL);
    expect(await index.text()).toContain('<title>Seg Studio</title>');
  });

  const refused: [string, string, number][] = [
    ['a symlink out of the folder', url('assets/link-out.js'), 403],
    // URL parsing already drops these `..` (as Chromium does): the request then names
    // renderer/secret.js, which is not there.
    ['dot-dot', url('../secret.js'), 404],
    ['encoded dot-dot', url('%2e%2e/secret.js'), 404],
    ['encoded slash', url('assets%2f..%2f..%2fsecret.js'), 400],
    ['encoded backslash', url('..%5csecret.js'), 400],
    ['double encoding', url('%252e%252e/secret.js'), 400],
    ['a NUL byte', url('index.html%00.js'), 400],
    ['the look-alike sibling folder', url('../renderer-evil/x.js'), 404],
    ['a source map (not shipped to the page)', url('assets/index-abc.js.map'), 404],
    ['a file of an unknown type', url('assets/data.bin'), 404],
    ['a missing file', url('assets/missing.js'), 404],
    ['a folder', url('assets/'), 400],
    ['another host', 'app://evil/index.html', 404],
    ['another scheme', 'file:///etc/passwd', 404],
    ['a malformed URL', 'app://', 404],
  ];
  for (const [what, u, status] of refused) {
    it(`refuses ${what}`, async () => {
      const asset = await resolveAppAsset(renderer, u);
      expect(asset.ok, u).toBe(false);
      const r = await appAssetResponse(renderer, u);
      expect(r.status, u).toBe(status);
      const body = await r.text();
      expect(body).not.toContain('SECRET');
      expect(body).not.toContain('EVIL');
    });
  }
});
