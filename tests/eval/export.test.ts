import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import {
  exportModel,
  exportModelArchive,
  importModel,
  type ManifestFields,
} from '../../main/engine/export';
import { backendInfo, getTf } from '../../main/native/backend';
import { crc32, createZip, readZip } from '../../main/fs/zip';
import { tinySegModel } from './helpers/fixture-dataset';

const tf = getTf();
let dir: string;
let model: tfjs.LayersModel;

const FIELDS: ManifestFields = {
  preset: 'tiny',
  classes: [
    { index: 0, id: 0, name: 'sky', color: [128, 128, 128] },
    { index: 1, id: 3, name: 'road', color: [128, 64, 128] },
    { index: 2, id: 7, name: 'car', color: [64, 0, 128] },
  ],
  voidId: 11,
  input: { width: 16, height: 12 },
  normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
  metrics: { split: 'val', mIoU: 0.5, pixelAccuracy: 0.75, meanClassAccuracy: 0.6 },
};

function predict(m: tfjs.LayersModel): Float32Array {
  return tf.tidy(() => {
    const x = tf.randomUniform([2, 12, 16, 3], -1, 1, 'float32', 7);
    return (m.predict(x) as tfjs.Tensor).dataSync() as Float32Array;
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segstudio-export-'));
  model = tinySegModel(tf, { width: 16, height: 12, numClasses: 3, seed: 5 });
});

afterAll(async () => {
  model.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('exportModel / importModel', () => {
  it('round-trips to identical predictions, atomically, leaving no temp folders', async () => {
    const out = path.join(dir, 'model');
    const exported = await exportModel(model, FIELDS, out);
    expect((await readdir(out)).sort()).toEqual(['model.json', 'segstudio.json', 'weights.bin']);
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(exported.manifest.classes).toHaveLength(3);

    const before = tf.memory().numTensors;
    const { model: loaded, manifest } = await importModel(out);
    expect(manifest).toEqual(exported.manifest);
    expect(Array.from(predict(loaded))).toEqual(Array.from(predict(model)));
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);

    // Re-exporting over an earlier export replaces it.
    await exportModel(model, { ...FIELDS, preset: 'again' }, out);
    expect(JSON.parse(await readFile(path.join(out, 'segstudio.json'), 'utf8'))).toMatchObject({
      preset: 'again',
    });
  });

  it('writes the standard Layers format that tf.loadLayersModel(file://) reads', async () => {
    if (!backendInfo().native) return; // file:// is registered by tfjs-node only.
    const out = path.join(dir, 'standard');
    await exportModel(model, FIELDS, out);
    const loaded = await tf.loadLayersModel(`file://${path.join(out, 'model.json')}`);
    expect(Array.from(predict(loaded))).toEqual(Array.from(predict(model)));
    loaded.dispose();
  });

  it('loads over HTTP like a browser would (tf.io.http, relative weight paths)', async () => {
    const out = path.join(dir, 'served');
    await exportModel(model, FIELDS, out);
    const server = createServer((req, res) => {
      const file = path.join(out, path.basename(req.url ?? ''));
      readFile(file).then(
        (data) => res.writeHead(200).end(data),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const loaded = await tf.loadLayersModel(tf.io.http(`http://127.0.0.1:${port}/model.json`));
      expect(Array.from(predict(loaded))).toEqual(Array.from(predict(model)));
      loaded.dispose();
    } finally {
      server.close();
    }
  });

  it('refuses to replace a folder that is not an export, and a mismatched manifest', async () => {
    const user = path.join(dir, 'user-stuff');
    await mkdir(user);
    await writeFile(path.join(user, 'notes.txt'), 'mine');
    await expect(exportModel(model, FIELDS, user)).rejects.toThrow(/not a Seg Studio model export/);
    expect(await readFile(path.join(user, 'notes.txt'), 'utf8')).toBe('mine');
    await expect(
      exportModel(model, { ...FIELDS, input: { width: 20, height: 12 } }, path.join(dir, 'bad')),
    ).rejects.toThrow(/does not match the model's 16x12/);
    await expect(
      exportModel(model, { ...FIELDS, classes: FIELDS.classes.slice(0, 2) }, path.join(dir, 'bad')),
    ).rejects.toThrow(/lists 2 classes, the model predicts 3/);
  });

  it('exports a single-file stored zip that unzip tools list and importModel loads', async () => {
    const archive = path.join(dir, 'model.zip');
    const { bytes } = await exportModelArchive(model, FIELDS, archive);
    expect(bytes).toBeGreaterThan(100);
    const listing = execFileSync('python3', ['-m', 'zipfile', '-t', archive], { encoding: 'utf8' });
    expect(listing).toMatch(/Done testing/);
    const names = execFileSync('python3', ['-m', 'zipfile', '-l', archive], { encoding: 'utf8' });
    for (const n of ['model.json', 'weights.bin', 'segstudio.json']) expect(names).toContain(n);
    const { model: loaded } = await importModel(archive);
    expect(Array.from(predict(loaded))).toEqual(Array.from(predict(model)));
    loaded.dispose();
  });

  it('reports progress from 0 up to its total for folder and archive exports', async () => {
    const folderSteps: [number, number][] = [];
    await exportModel(model, FIELDS, path.join(dir, 'progress'), (done, total) =>
      folderSteps.push([done, total]),
    );
    // serialise, weights/model.json/segstudio.json, rename into place
    expect(folderSteps).toEqual([0, 1, 2, 3, 4, 5].map((d) => [d, 5]));
    const archiveSteps: [number, number][] = [];
    await exportModelArchive(model, FIELDS, path.join(dir, 'progress.zip'), (done, total) =>
      archiveSteps.push([done, total]),
    );
    expect(archiveSteps).toEqual([0, 1, 2, 3].map((d) => [d, 3]));
  });
});

describe('zip', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('round-trips entries and detects corruption', () => {
    const zip = createZip([
      { name: 'a.txt', data: Buffer.from('hello') },
      { name: 'dir/b.bin', data: new Uint8Array([1, 2, 3]) },
    ]);
    const back = readZip(zip);
    expect(back.map((e) => [e.name, Buffer.from(e.data).toString('hex')])).toEqual([
      ['a.txt', Buffer.from('hello').toString('hex')],
      ['dir/b.bin', '010203'],
    ]);
    const bad = Buffer.from(zip);
    const at = 30 + 'a.txt'.length;
    bad[at] = bad[at]! ^ 0xff;
    expect(() => readZip(bad)).toThrow(/"a.txt" fails its CRC check/);
    expect(() => readZip(Buffer.from('not a zip at all, really not'))).toThrow(/not a zip/);
    expect(() => createZip([{ name: '../evil', data: new Uint8Array() }])).toThrow(/invalid entry/);
  });
});
