import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaResolver, type MediaResolver } from '../../main/media/resolve';
import { mediaResponse } from '../../main/media/response';

// What Electron's `segmedia://` handler answers, byte for byte, without Electron.
let base: string;
let resolver: MediaResolver;

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'segstudio-protocol-'));
  const root = path.join(base, 'data');
  mkdirSync(path.join(base, 'exports'), { recursive: true });
  mkdirSync(root);
  writeFileSync(path.join(root, 'a#b.png'), 'HASH');
  writeFileSync(path.join(base, 'secret.txt'), 'SECRET');
  writeFileSync(path.join(base, 'exports', 'model.zip'), 'ZIP');
  symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'out.png'));
  resolver = createMediaResolver({
    fileRoots: () => [root],
    exportsDir: () => path.join(base, 'exports'),
    sampleLayer: () => Promise.resolve(null),
  });
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('segmedia protocol responses', () => {
  it('serves an encoded # name with its content type and nosniff', async () => {
    const r = await mediaResponse(resolver, 'segmedia://media/file/0/a%23b.png');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    // CORS so the file:// renderer can read index-mask pixels from a canvas.
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(await r.text()).toBe('HASH');
  });

  it('offers non-images as downloads', async () => {
    const r = await mediaResponse(resolver, 'segmedia://media/export/model.zip');
    expect(r.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''model.zip");
  });

  it('refuses traversal, symlinks out, other hosts and other schemes', async () => {
    const cases: [string, number][] = [
      ['segmedia://media/file/0/%2e%2e%2fsecret.txt', 400],
      ['segmedia://media/file/0/..%5csecret.txt', 400],
      ['segmedia://media/file/0/%252e%252e/secret.txt', 400],
      ['segmedia://media/file/0/out.png', 403],
      ['segmedia://evil/file/0/a%23b.png', 404],
      ['file:///etc/passwd', 404],
      ['not a url', 400],
    ];
    for (const [url, status] of cases) {
      const r = await mediaResponse(resolver, url);
      expect(r.status, url).toBe(status);
      expect(await r.text()).not.toContain('SECRET');
    }
  });

  it('ends the path at a raw #: an unencoded name with # never reaches another file', async () => {
    for (const url of [
      'segmedia://media/file/0/a#b.png',
      'segmedia://media/file/0/x#/../../secret.txt',
      'segmedia://media/file/0/#../../secret.txt',
    ]) {
      const r = await mediaResponse(resolver, url);
      expect([400, 404], url).toContain(r.status);
      expect(await r.text()).not.toMatch(/HASH|SECRET/);
    }
  });

  it('cannot reach outside the namespace even when the URL parser folds dot segments', async () => {
    // WHATWG URL turns `/file/0/../../secret.txt` into `/secret.txt`: an unknown namespace.
    const r = await mediaResponse(resolver, 'segmedia://media/file/0/../../secret.txt');
    expect(r.status).toBe(404);
  });
});
