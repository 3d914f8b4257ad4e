import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProducedFile } from '../../shared/contracts/common';
import { readZip } from '../../main/fs/zip';
import { maskKeysFromPng8, rgbOf } from '../../main/dataset/decode';
import { decodePng8 } from '../../main/dataset/codecs/png-index';
import { encodeOverlay, forEachPrediction, type PredictedImage } from '../../main/engine/predict';
import { readRunFile } from '../../main/training/run-folder';
import { openRunDataset } from '../../main/training/run-dataset';
import { restoreModel, runManifestFields } from '../../main/training/run-model';
import { ensureBuilt } from '../support/build';
import { startMiniCamvidServices, type MiniCamvidServices } from '../support/services';

// Export "predicted masks for a folder": a real tiny run, real worker processes, a folder of
// the user's images that must come back as masks and stay untouched.
let fixture: MiniCamvidServices;
let images: string;

async function dispatch(channel: string, payload: unknown) {
  return fixture.services.dispatcher.dispatch(channel, payload, { clientId: 'test' });
}

function digest(dir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    hash.update(name);
    if (statSync(file).isFile()) hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

beforeAll(async () => {
  ensureBuilt();
  fixture = startMiniCamvidServices('predict-folder', { train: 4, val: 2 });
  const { base, dataset } = fixture;
  // The user's folder: three photos, a note, and a sub-folder that must not be entered.
  images = path.join(base, 'my photos');
  mkdirSync(path.join(images, 'nested'), { recursive: true });
  const photos = readdirSync(path.join(dataset, 'val')).slice(0, 2);
  photos.forEach((name, i) =>
    copyFileSync(path.join(dataset, 'val', name), path.join(images, `street ${i}.png`)),
  );
  copyFileSync(
    path.join(dataset, 'train', readdirSync(path.join(dataset, 'train'))[0]!),
    path.join(images, 'a#b.png'),
  );
  writeFileSync(path.join(images, 'notes.txt'), 'not an image');
  copyFileSync(path.join(images, 'a#b.png'), path.join(images, 'nested', 'deep.png'));

  await fixture.openDataset();
  await fixture.trainTinyRun('tiny');
}, 180_000);

afterAll(() => fixture.dispose());

describe('export predicted masks for a folder', () => {
  it('predicts the images directly inside the folder and leaves it untouched', async () => {
    const before = digest(images);
    const masks = await fixture.call<ProducedFile>('evaluation:exportPredictions', {
      runName: 'tiny',
      from: 'last',
      folder: images,
    });
    expect(path.basename(masks.path)).toBe('tiny-folder-my_photos-masks.zip');
    expect(masks.mediaPath).toBe('export/tiny-folder-my_photos-masks.zip');
    const names = readZip(readFileSync(masks.path))
      .map((e) => e.name)
      .sort();
    expect(names).toEqual(['a#b.png', 'street 0.png', 'street 1.png']);
    expect(digest(images)).toBe(before);

    const overlays = await fixture.call<ProducedFile>('evaluation:exportPredictions', {
      runName: 'tiny',
      from: 'last',
      folder: images,
      encoding: 'color',
    });
    expect(path.basename(overlays.path)).toBe('tiny-folder-my_photos-overlays.zip');
    expect(readZip(readFileSync(overlays.path))).toHaveLength(3);
  }, 120_000);

  it('exports exactly what the model predicts for each image: masks and overlays', async () => {
    const options = { runName: 'tiny', from: 'last', folder: images } as const;
    const masks = await fixture.call<ProducedFile>('evaluation:exportPredictions', options);
    const overlays = await fixture.call<ProducedFile>('evaluation:exportPredictions', {
      ...options,
      encoding: 'color',
    });
    const byName = (file: string) =>
      new Map(readZip(readFileSync(file)).map((e) => [e.name, Buffer.from(e.data)]));
    const maskEntries = byName(masks.path);
    const overlayEntries = byName(overlays.path);
    // The same run, checkpoint and manifest as the export, predicted here in the same batches
    // (the folder's sorted images): a batch of one rounds convolutions differently without
    // oneDNN, which flips near-tied pixels of this barely trained model.
    const runDir = path.join(fixture.base, 'project', 'runs', 'tiny');
    const run = await readRunFile(runDir);
    const index = await openRunDataset(run);
    const restored = await restoreModel({ runDir, from: 'last' });
    try {
      const fields = runManifestFields({ run, index, restored });
      const manifest = {
        classes: fields.classes,
        maskEncoding: index.descriptor.encoding,
        normalization: restored.config.normalization,
      };
      const names = ['a#b.png', 'street 0.png', 'street 1.png'];
      const predicted: PredictedImage[] = [];
      const files = names.map((name) => path.join(images, name));
      await forEachPrediction(restored.model, manifest, files, async (p) => {
        predicted.push(p);
      });
      for (const [k, name] of names.entries()) {
        const { image, map } = predicted[k]!;
        const png = await decodePng8(maskEntries.get(name)!);
        expect(png, name).not.toBeNull();
        const keys = maskKeysFromPng8(png!, index.descriptor.encoding);
        expect([keys.width, keys.height]).toEqual([image.width, image.height]);
        const ids = Array.from(map.label, (l) => fields.classes[l]!.id);
        expect(Array.from(keys.keys), name).toEqual(ids);
        const overlay = await rgbOf(overlayEntries.get(name)!);
        const expected = await rgbOf(await encodeOverlay({ image, map }, manifest));
        expect(Buffer.from(overlay.data).equals(Buffer.from(expected.data)), name).toBe(true);
      }
    } finally {
      restored.model.dispose();
    }
  }, 120_000);

  it('says which folder cannot be predicted and why', async () => {
    const empty = path.join(fixture.base, 'empty');
    mkdirSync(empty);
    const cases: [string, RegExp][] = [
      [path.join(fixture.base, 'missing'), /missing.*does not exist/],
      [path.join(images, 'notes.txt'), /notes\.txt.*not a folder/],
      [empty, /empty.*holds no images/],
      ['relative/photos', /absolute path/],
    ];
    for (const [folder, message] of cases) {
      const r = await dispatch('evaluation:exportPredictions', {
        runName: 'tiny',
        from: 'last',
        folder,
      });
      expect(r.ok, folder).toBe(false);
      if (!r.ok) expect(r.error.message, folder).toMatch(message);
    }
  }, 120_000);
});
