import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMediaResolver,
  decodeMediaSegments,
  exportMediaPath,
  mediaPath,
  SAMPLE_LAYERS,
  type MediaProvider,
  type MediaResolver,
  type SampleLayerFile,
} from '../../main/media/resolve';
import { isInside } from '../../main/fs/inside';

// A real tree: the allowed dataset root, a look-alike sibling, secrets above, and symlinks
// pointing inside and outside.
let base: string;
let root: string;
let exportsDir: string;
let cacheDir: string;
let resolver: MediaResolver;
/** `id/layer` of every derived file the provider was asked to produce. */
const produced: string[] = [];

/** Source files of sample layers that must never be shown or derived from (id, file). */
const SOURCE_SPELLINGS: [string, () => string, string][] = [
  ['link-out', () => path.join(root, 'link-out.png'), 'a symlinked file pointing outside'],
  ['dirlink', () => path.join(root, 'dirlink', 'secret.png'), 'a file in a symlinked folder'],
  ['sibling', () => path.join(`${root}-evil`, 'secret.png'), 'a look-alike sibling folder'],
  ['dotdot', () => path.join(root, '..', '..', 'secret.txt'), 'a path climbing out with ..'],
  ['absolute', () => '/etc/passwd', 'an absolute path elsewhere'],
];
const INSIDE_SPELLINGS: [string, () => string][] = [
  ['link-in', () => path.join(root, 'link-in.png')],
  ['nested', () => path.join(root, 'sub', 'x.png')],
];

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'segstudio-resolve-'));
  root = path.join(base, 'data', 'camvid');
  exportsDir = path.join(base, 'project', 'exports');
  cacheDir = path.join(base, 'project', 'cache');
  for (const dir of [root, path.join(root, 'sub'), `${root}-evil`, exportsDir, cacheDir]) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(path.join(root, 'img.png'), 'png');
  writeFileSync(path.join(root, 'a#b.png'), 'hash');
  writeFileSync(path.join(root, 'q?x.png'), 'question');
  writeFileSync(path.join(root, 'space name é.png'), 'unicode');
  writeFileSync(path.join(root, '..dots.png'), 'dots');
  writeFileSync(path.join(root, 'sub', 'x.png'), 'sub');
  writeFileSync(path.join(`${root}-evil`, 'secret.png'), 'evil');
  writeFileSync(path.join(base, 'secret.txt'), 'secret');
  writeFileSync(path.join(exportsDir, 'metrics.csv'), 'a,b\n');
  writeFileSync(path.join(cacheDir, 'thumb.png'), 'thumb');
  symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'link-out.png'));
  symlinkSync(path.join(root, 'img.png'), path.join(root, 'link-in.png'));
  symlinkSync(`${root}-evil`, path.join(root, 'dirlink'));
  // The root itself reached through a symlink must still work.
  symlinkSync(path.join(base, 'data'), path.join(base, 'data-link'));

  // Sample layers: `ok` is made from img.png; ids named after a source spelling (see
  // SOURCE_SPELLINGS) are made from that source, so every layer meets every escape.
  const provider: MediaProvider = {
    fileRoots: () => [root, path.join(base, 'data-link', 'camvid')],
    exportsDir: () => exportsDir,
    sampleLayer: ({ split, id, layer, run }) => {
      if (split !== 'train') return Promise.resolve(null);
      const derived = (source: string, roots = [root]): SampleLayerFile => ({
        sources: [{ file: source, roots }],
        produce: () => {
          produced.push(`${id}/${layer}`);
          return Promise.resolve(layer === 'image' ? source : path.join(cacheDir, 'thumb.png'));
        },
        roots: layer === 'image' ? roots : [cacheDir],
      });
      if (id === 'ok' && layer === 'thumb')
        return Promise.resolve(derived(path.join(root, 'img.png')));
      if (id === 'ok' && layer === 'image') {
        return Promise.resolve(derived(path.join(root, 'img.png'), [root, cacheDir]));
      }
      if (id === 'ok' && layer === 'pred' && run === 'run-1') {
        return Promise.resolve(derived(path.join(root, 'img.png')));
      }
      // A buggy or hostile lookup pointing at a look-alike sibling of its root.
      if (id === 'evil') return Promise.resolve(derived(path.join(`${root}-evil`, 'secret.png')));
      const spelling = [...SOURCE_SPELLINGS, ...INSIDE_SPELLINGS].find(([name]) => name === id);
      if (spelling) return Promise.resolve(derived(spelling[1]()));
      return Promise.resolve(null);
    },
  };
  resolver = createMediaResolver(provider);
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

async function status(raw: string): Promise<number> {
  const r = await resolver.resolve(raw);
  return r.ok ? 200 : r.status;
}

describe('media resolver: allowed files', () => {
  it('serves files under a root, nested ones and symlinks that stay inside', async () => {
    const r = await resolver.resolve('file/0/img.png');
    expect(r).toMatchObject({ ok: true, contentType: 'image/png', size: 3 });
    expect(await status('file/0/sub/x.png')).toBe(200);
    expect(await status('file/0/link-in.png')).toBe(200);
    expect(await status('file/0/..dots.png')).toBe(200);
    expect(await status('file/1/img.png')).toBe(200);
  });

  it('serves names with #, ? and non-ASCII characters when properly encoded', async () => {
    for (const name of ['a#b.png', 'q?x.png', 'space name é.png']) {
      const raw = mediaPath('file', '0', name);
      const r = await resolver.resolve(raw);
      expect(r.ok, raw).toBe(true);
      if (r.ok) expect(path.basename(r.file)).toBe(name);
    }
    expect(mediaPath('file', '0', 'a#b.png')).toBe('file/0/a%23b.png');
  });

  it('serves exports and sample layers through the provider', async () => {
    expect(await resolver.resolve('export/metrics.csv')).toMatchObject({
      ok: true,
      contentType: 'text/csv; charset=utf-8',
    });
    expect(await status('sample/train/ok/thumb')).toBe(200);
    expect(await status('sample/train/ok/image')).toBe(200);
    expect(await status('sample/train/ok/pred/run-1')).toBe(200);
  });
});

describe('media resolver: refusals', () => {
  const refused: [string, string][] = [
    ['dot-dot segment', 'file/0/../camvid-evil/secret.png'],
    ['dot-dot to the sibling', 'file/0/..'],
    ['encoded dot-dot', 'file/0/%2e%2e/camvid-evil/secret.png'],
    ['upper-case encoded dot-dot', 'file/0/%2E%2E/%2E%2E/secret.txt'],
    ['encoded slash', 'file/0/..%2fcamvid-evil%2fsecret.png'],
    ['encoded slash inside a name', 'file/0/sub%2fx.png'],
    ['encoded backslash', 'file/0/..%5c..%5csecret.txt'],
    ['raw backslash', 'file/0/..\\..\\secret.txt'],
    ['double-encoded dot-dot', 'file/0/%252e%252e/secret.txt'],
    ['double-encoded slash', 'file/0/sub%252fx.png'],
    ['absolute path', '/etc/passwd'],
    ['encoded absolute path', '%2fetc%2fpasswd'],
    ['absolute path after a root', 'file/0//etc/passwd'],
    ['windows drive letter', 'file/0/C:/Windows/win.ini'],
    ['encoded drive letter', 'file/0/C%3a%5cWindows%5cwin.ini'],
    ['UNC path', '\\\\server\\share\\x.png'],
    ['encoded UNC path', '%5c%5cserver%5cshare%5cx.png'],
    ['NUL byte', 'file/0/img.png%00.txt'],
    ['raw NUL byte', 'file/0/img.png\u0000'],
    ['trailing dot (Windows alias)', 'file/0/img.png.'],
    ['dot-dot with a trailing space', 'file/0/.. /secret.txt'],
    ['malformed percent-encoding', 'file/0/%E0%A4%A'],
    ['single dot', 'file/0/./img.png'],
    ['empty path', ''],
    ['export traversal', 'export/../../secret.txt'],
  ];
  for (const [what, raw] of refused) {
    it(`refuses ${what}`, async () => {
      expect(await status(raw)).toBe(400);
    });
  }

  it('refuses symlinks that point outside the root (file and folder)', async () => {
    expect(await resolver.resolve('file/0/link-out.png')).toMatchObject({ ok: false, status: 403 });
    expect(await resolver.resolve('file/0/dirlink/secret.png')).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('refuses a look-alike sibling folder of the allowed root', async () => {
    expect(await resolver.resolve('sample/train/evil/image')).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('answers 404 for unknown roots, namespaces, layers, folders and missing files', async () => {
    expect(await status('file/7/img.png')).toBe(404);
    expect(await status('file/x/img.png')).toBe(404);
    expect(await status('file/0')).toBe(404);
    expect(await status('file/0/sub')).toBe(404);
    expect(await status('file/0/missing.png')).toBe(404);
    expect(await status('etc/passwd')).toBe(404);
    expect(await status('sample/train/ok/secret')).toBe(404);
    expect(await status('sample/train/ok/image/run/extra')).toBe(404);
    expect(await status('sample/val/ok/image')).toBe(404);
    expect(await status('export')).toBe(404);
  });
});

describe('media resolver: sample layers are confined by their sources', () => {
  for (const layer of SAMPLE_LAYERS) {
    for (const [id, , what] of SOURCE_SPELLINGS) {
      it(`${layer}: refuses one made from ${what}, and derives nothing`, async () => {
        const before = produced.length;
        const r = await resolver.resolve(mediaPath('sample', 'train', id, layer, 'run-1'));
        expect(r).toMatchObject({ ok: false, status: 403 });
        expect(produced.slice(before)).toEqual([]);
      });
    }
    it(`${layer}: serves one made from a file inside (symlink or nested)`, async () => {
      for (const [id] of INSIDE_SPELLINGS) {
        expect(await status(mediaPath('sample', 'train', id, layer, 'run-1')), id).toBe(200);
        expect(produced.at(-1)).toBe(`${id}/${layer}`);
      }
    });
  }
});

describe('path helpers', () => {
  it('isInside rejects siblings with a shared prefix and accepts the root itself', () => {
    expect(isInside('/data/camvid', '/data/camvid')).toBe(true);
    expect(isInside('/data/camvid', '/data/camvid/a/b.png')).toBe(true);
    expect(isInside('/data/camvid', '/data/camvid/..x')).toBe(true);
    expect(isInside('/data/camvid', '/data/camvid-evil/a.png')).toBe(false);
    expect(isInside('/data/camvid', '/data')).toBe(false);
    expect(isInside('/data/camvid', '/etc/passwd')).toBe(false);
  });

  it('decodes each segment exactly once', () => {
    expect(decodeMediaSegments('sample/train/a%23b/thumb')).toEqual([
      'sample',
      'train',
      'a#b',
      'thumb',
    ]);
    expect(decodeMediaSegments('file/0/100%25.png')).toEqual(['file', '0', '100%.png']);
    expect(decodeMediaSegments('file/0/%2541.png')).toBeNull();
  });

  it('exportMediaPath addresses files in the exports folder only', async () => {
    const file = path.join(exportsDir, 'metrics.csv');
    expect(exportMediaPath(exportsDir, file)).toBe('export/metrics.csv');
    expect(exportMediaPath(exportsDir, path.join(exportsDir, 'run 1', 'a#b.zip'))).toBe(
      'export/run%201/a%23b.zip',
    );
    expect(exportMediaPath(exportsDir, path.join(base, 'secret.txt'))).toBeNull();
    expect(exportMediaPath(exportsDir, exportsDir)).toBeNull();
    expect(await status(exportMediaPath(exportsDir, file)!)).toBe(200);
  });

  it('mediaPath round-trips awkward names', () => {
    for (const name of ['a#b', 'q?x', 'sp ace', 'é', '100%', "it's"]) {
      expect(decodeMediaSegments(mediaPath('sample', 'train', name, 'thumb'))).toEqual([
        'sample',
        'train',
        name,
        'thumb',
      ]);
    }
  });
});
