import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeJsonError, jsonErrorOffset } from '../../shared/dataset/json-error';
import { parseLabels, parseLabelsCsv, parseLabelsJson } from '../../shared/dataset/labels';
import { DatasetError, DESCRIPTOR_FILE, loadDescriptor } from '../../main/dataset/index';
import { writeFileAtomic, writeJsonAtomic } from '../../main/fs/atomic';
import { readImageHeader } from '../../main/dataset/headers';
import { DirCache } from '../../main/dataset/dir-cache';
import { rerootPath } from '../../main/dataset/formats/pair-list';
import { resizeNearest } from '../../main/dataset/sample-source';
import { decodePng8 } from '../../main/dataset/codecs/png-index';
import { maskKeysFromPng8 } from '../../main/dataset/decode';
import { encodePng } from './fixtures/png';
import { photoJpeg } from './fixtures/images';
import { tempDir } from '../support/folders';

const work = tempDir('units');
afterAll(() => work.cleanup());

describe('labels files', () => {
  it('reads the SEG_LABELS_LIST JSON shape with an explicit void', () => {
    const parsed = parseLabelsJson(
      '[{"id":1,"name":"road","rgb_values":[1,2,3]},{"id":0,"name":"Unlabelled","rgb_values":[0,0,0],"void":true}]',
    );
    expect(parsed).toEqual({
      ok: true,
      classes: [
        { id: 0, name: 'Unlabelled', color: [0, 0, 0], void: true },
        { id: 1, name: 'road', color: [1, 2, 3] },
      ],
    });
  });

  it('infers void from a negative id (I2DL) or the name', () => {
    const i2dl = parseLabelsJson(
      '[{"id":-1,"name":"void","rgb_values":[0,0,0]},{"id":0,"name":"building","rgb_values":[128,0,0]}]',
    );
    expect(i2dl.ok && i2dl.classes[0]).toMatchObject({ id: -1, void: true });
  });

  it('reads CSV with and without ids and header', () => {
    expect(parseLabelsCsv('0,sky,1,2,3\n1,road,4,5,6\n')).toMatchObject({
      ok: true,
      classes: [{ id: 0 }, { id: 1 }],
    });
    const dict = parseLabelsCsv('name,r,g,b\nAnimal,64,128,64\nArchway,192,0,128\n');
    expect(dict).toEqual({
      ok: true,
      classes: [
        { id: 0, name: 'Animal', color: [64, 128, 64] },
        { id: 1, name: 'Archway', color: [192, 0, 128] },
      ],
    });
  });

  it('explains what is wrong with a bad file', () => {
    expect(parseLabelsJson('{nope')).toMatchObject({ ok: false });
    expect(parseLabelsJson('[{"id":1,"name":"a"},{"id":1,"name":"b"}]')).toEqual({
      ok: false,
      error: 'class id 1 appears twice',
    });
    expect(parseLabelsCsv('id,name,r,g,b\n0,sky,1,2\n')).toMatchObject({
      ok: false,
      error: expect.stringContaining('line 2'),
    });
  });
});

describe('bad JSON and labels files say where and why', () => {
  it('gives the line and column of a JSON syntax error, as JSON.parse would see it', () => {
    expect(parseLabelsJson('[\n {"id": 0 "name": "a"}\n]')).toEqual({
      ok: false,
      error: expect.stringMatching(/^not valid JSON at line 2 column 11 \(/),
    });
    // Node 20 gives no position for an unexpected token; the scanner still finds it.
    expect(describeJsonError('[1,\n x]', new Error('Unexpected token'))).toBe(
      'not valid JSON at line 2 column 2 (Unexpected token)',
    );
    for (const bad of ['', '[1', '{"a" 1}', '[1] x', '"\u0001"', '[01]', '{"a":tru}']) {
      expect({ bad, offset: jsonErrorOffset(bad) >= 0 }).toEqual({ bad, offset: true });
      expect(() => JSON.parse(bad) as unknown).toThrow();
    }
    for (const good of ['[]', '{}', ' {"a": [true, false, null, -1.5e3, "x\\"y"]} ', '0']) {
      expect({ good, offset: jsonErrorOffset(good) }).toEqual({ good, offset: -1 });
    }
  });

  it('reads labels files saved with a byte-order mark', () => {
    expect(parseLabels('\uFEFF0,sky,1,2,3\n1,road,4,5,6\n', 'labels.csv')).toMatchObject({
      ok: true,
      classes: [
        { id: 0, name: 'sky' },
        { id: 1, name: 'road' },
      ],
    });
    expect(parseLabels('\uFEFF[{"id":0,"name":"a"}]', 'labels.json')).toMatchObject({ ok: true });
  });

  it('names the descriptor file and the place it is broken', async () => {
    const project = path.join(work.dir, 'broken-project');
    mkdirSync(project, { recursive: true });
    const file = path.join(project, DESCRIPTOR_FILE);
    writeFileSync(file, '{\n  "version": 1,\n  "format": "voc"\n  "root": "/x"\n}\n');
    const broken = loadDescriptor(project);
    await expect(broken).rejects.toBeInstanceOf(DatasetError);
    await expect(broken).rejects.toThrow(`${file} is not valid JSON at line 4 column 3`);
    writeFileSync(file, '{"version": 1, "format": "coco"}');
    await expect(loadDescriptor(project)).rejects.toThrow(
      `${file} is not a valid dataset descriptor: format:`,
    );
  });
});

describe('atomic writes', () => {
  it('replaces the file whole and leaves no temp files', async () => {
    const file = path.join(work.dir, 'atomic', 'state.json');
    await writeJsonAtomic(file, { a: 1 });
    await writeFileAtomic(file, 'second');
    expect(readFileSync(file, 'utf8')).toBe('second');
    expect(readdirSync(path.dirname(file))).toEqual(['state.json']);
  });
});

describe('image headers', () => {
  it('reads EXIF orientation from a PNG eXIf chunk', async () => {
    // Big-endian TIFF with one IFD entry: Orientation (0x0112) SHORT = 8.
    const exif = Buffer.from([
      0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0,
    ]);
    const file = path.join(work.dir, 'exif.png');
    writeFileSync(
      file,
      encodePng({ width: 3, height: 2, colorType: 2, data: new Uint8Array(18), exif }),
    );
    const header = await readImageHeader(file);
    expect(header.ok && header.header).toMatchObject({
      kind: 'png',
      width: 3,
      height: 2,
      orientation: 8,
    });
  });

  it('finds the JPEG frame header past a large APP segment', async () => {
    const jpeg = await photoJpeg(40, 30, 0, 3);
    const app2 = Buffer.alloc(12_004);
    app2.writeUInt16BE(0xffe2, 0);
    app2.writeUInt16BE(12_002, 2);
    const file = path.join(work.dir, 'big-app.jpg');
    writeFileSync(file, Buffer.concat([jpeg.subarray(0, 2), app2, jpeg.subarray(2)]));
    const header = await readImageHeader(file);
    expect(header.ok && header.header).toMatchObject({
      kind: 'jpeg',
      width: 40,
      height: 30,
      orientation: 3,
    });
  });

  it('accepts a JPEG with data appended after its end marker, refuses a cut one', async () => {
    const jpeg = await photoJpeg(40, 30, 1);
    const trailer = path.join(work.dir, 'trailer.jpg');
    writeFileSync(trailer, Buffer.concat([jpeg, Buffer.from('MotionPhoto_Data'.repeat(8))]));
    expect((await readImageHeader(trailer)).ok).toBe(true);
    const cut = path.join(work.dir, 'cut.jpg');
    writeFileSync(cut, jpeg.subarray(0, jpeg.length - 200));
    expect(await readImageHeader(cut)).toMatchObject({ ok: false, reason: 'truncated_file' });
  });

  it('accepts a PNG with bytes after IEND, refuses one cut inside its data', async () => {
    const png = encodePng({
      width: 64,
      height: 64,
      colorType: 2,
      data: new Uint8Array(64 * 64 * 3).map((_, i) => (i * 37) & 0xff),
    });
    const trailing = path.join(work.dir, 'trailing.png');
    writeFileSync(trailing, Buffer.concat([png, Buffer.alloc(100, 7)]));
    expect((await readImageHeader(trailing)).ok).toBe(true);
    const cut = path.join(work.dir, 'cut.png');
    writeFileSync(cut, png.subarray(0, png.length - 40));
    expect(await readImageHeader(cut)).toMatchObject({ ok: false, reason: 'truncated_file' });
  });

  it.skipIf(process.getuid?.() === 0)(
    'reports a file without read permission as unreadable',
    async () => {
      const { chmodSync } = await import('node:fs');
      const file = path.join(work.dir, 'locked.png');
      writeFileSync(
        file,
        encodePng({ width: 1, height: 1, colorType: 0, data: new Uint8Array(1) }),
      );
      chmodSync(file, 0o000);
      expect(await readImageHeader(file)).toMatchObject({ ok: false, reason: 'unreadable' });
      chmodSync(file, 0o644);
    },
  );

  it('reports missing files without throwing', async () => {
    expect(await readImageHeader(path.join(work.dir, 'nope.png'))).toMatchObject({
      ok: false,
      reason: 'missing_image',
    });
  });
});

describe('own PNG decoder', () => {
  it('matches sharp on grey, RGB and RGBA with adaptive filtering', async () => {
    const sharp = (await import('sharp')).default;
    const w = 37;
    const h = 23;
    const seen = new Set<number>();
    for (const channels of [1, 3, 4] as const) {
      const pixels = new Uint8Array(w * h * channels).map(
        (_, i) => (i * 7919 + (i >> 5) * 13) & 0xff,
      );
      const png = await sharp(pixels, { raw: { width: w, height: h, channels } })
        .toColourspace(channels === 1 ? 'b-w' : 'srgb')
        .png({ adaptiveFiltering: true, compressionLevel: 9 })
        .toBuffer();
      const ours = (await decodePng8(png))!;
      seen.add(ours.colorType);
      // sharp expands grey to 3 channels unless asked to stay b-w.
      const theirs = await sharp(png)
        .toColourspace(ours.channels <= 2 ? 'b-w' : 'srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(theirs.info.channels).toBe(ours.channels);
      expect(Buffer.from(ours.data).equals(theirs.data)).toBe(true);
    }
    expect([...seen].sort()).toEqual([0, 2, 6]);
  });

  it('turns an RGB-saved index mask into ids and a palette mask into colours', async () => {
    const rgb = encodePng({
      width: 2,
      height: 1,
      colorType: 2,
      data: new Uint8Array([5, 5, 5, 9, 9, 9]),
    });
    expect([...maskKeysFromPng8((await decodePng8(rgb))!, 'index').keys]).toEqual([5, 9]);
    const palette = new Uint8Array([0, 0, 0, 10, 20, 30]);
    const pal = encodePng({
      width: 2,
      height: 1,
      colorType: 3,
      data: new Uint8Array([1, 0]),
      palette,
    });
    expect([...maskKeysFromPng8((await decodePng8(pal))!, 'rgb').keys]).toEqual([
      (10 << 16) | (20 << 8) | 30,
      0,
    ]);
    expect([...maskKeysFromPng8((await decodePng8(pal))!, 'palette').keys]).toEqual([1, 0]);
  });
});

describe('pair-list path re-rooting', () => {
  it('uses the longest suffix of a foreign path that exists under the list folder', async () => {
    const root = path.join(work.dir, 'reroot');
    const inner = path.join(root, 'CamVid', 'train');
    mkdirSync(inner, { recursive: true });
    writeFileSync(path.join(inner, 'x.png'), 'x');
    writeFileSync(path.join(root, 'x.png'), 'decoy');
    const cache = new DirCache();
    expect(await rerootPath('/SegNet/CamVid/train/x.png', root, cache)).toBe(
      path.join(inner, 'x.png'),
    );
    expect(await rerootPath('CamVid/train/x.png', root, cache)).toBe(path.join(inner, 'x.png'));
    expect(await rerootPath('C:\\data\\CamVid\\train\\x.png', root, cache)).toBe(
      path.join(inner, 'x.png'),
    );
    expect(await rerootPath('/SegNet/CamVid/val/y.png', root, cache)).toBeNull();
    expect(existsSync(path.join(root, 'x.png'))).toBe(true);
  });
});

describe('label resizing', () => {
  it('is nearest-neighbour: no new values appear', () => {
    const label = new Uint8Array([1, 2, 3, 4]);
    expect([...resizeNearest(label, 2, 2, 4, 4)]).toEqual([
      1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4,
    ]);
    expect([...resizeNearest(label, 2, 2, 1, 1)]).toEqual([4]);
  });
});
