import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import type { ClassDef, MaskEncoding, RgbMapping } from '../../shared/dataset/descriptor';
import { ClassMapper } from '../../main/dataset/classes';
import { decodeMask, decodeRgb } from '../../main/dataset/decode';
import { predictFiles, predictLabelMap, type PredictionManifest } from '../../main/engine/predict';
import { inputBatch, resizeRgb } from '../../main/engine/predict-input';
import { entropyMap, predictWithUncertainty } from '../../main/engine/predict-uncertainty';
import { getTf } from '../../main/native/backend';
import { quantise } from '../../main/training/label-worker';
import {
  FIXTURE_CLASSES,
  FIXTURE_VOID_ID,
  createFixtureDataset,
  tinySegModel,
  type FixtureDataset,
} from './helpers/fixture-dataset';

const tf = getTf();
let dir: string;
let data: FixtureDataset;
let model: tfjs.LayersModel;

const classes = FIXTURE_CLASSES.map((c) => ({
  index: c.index,
  id: c.datasetId,
  name: c.name,
  color: [...c.color] as [number, number, number],
}));
const classDefs: ClassDef[] = [
  ...classes.map(({ id, name, color }) => ({ id, name, color })),
  { id: FIXTURE_VOID_ID, name: 'void', color: [0, 0, 0], void: true },
];

function manifestFor(maskEncoding: MaskEncoding, rgbMapping?: RgbMapping): PredictionManifest {
  return {
    classes,
    maskEncoding,
    ...(rgbMapping && { rgbMapping }),
    normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segstudio-predict-'));
  data = await createFixtureDataset(path.join(dir, 'data'), { count: 2, width: 30, height: 22 });
  // Seed chosen so the untrained model predicts more than one class on the fixture.
  model = tinySegModel(tf, { width: 16, height: 12, numClasses: 3, seed: 3 });
});

afterAll(async () => {
  model.dispose();
  await rm(dir, { recursive: true, force: true });
});

const CASES: [MaskEncoding, RgbMapping | undefined][] = [
  ['index', undefined],
  ['palette', undefined],
  ['rgb', 'colors'],
  ['rgb', 'red-id'],
];

describe('predictFiles', () => {
  it.each(CASES)(
    'writes %s/%s masks that decode back to the predicted labels',
    async (enc, map) => {
      const manifest = manifestFor(enc, map);
      const out = path.join(dir, `out-${enc}-${map ?? ''}`);
      const before = tf.memory().numTensors;
      const results = await predictFiles(model, manifest, data.imagePaths, out);
      expect(tf.memory().numTensors).toBe(before);
      expect(results).toHaveLength(2);
      const mapper = new ClassMapper({
        classes: classDefs,
        encoding: enc,
        ...(map && { rgbMapping: map }),
      });
      for (const r of results) {
        expect(path.relative(out, r.mask)).toBe(path.join('masks', path.basename(r.image)));
        const expected = await predictLabelMap(model, manifest, await decodeRgb(r.image));
        const decoded = await decodeMask(r.mask, enc);
        expect([decoded.width, decoded.height]).toEqual([30, 22]);
        expect(Array.from(mapper.toTraining(decoded.keys))).toEqual(Array.from(expected.label));
        expect(new Set(expected.label).size).toBeGreaterThan(1);
        const meta = await sharp(r.overlay).metadata();
        expect([meta.width, meta.height]).toEqual([30, 22]);
        expect(r.classPixels.reduce((a, b) => a + b, 0)).toBe(30 * 22);
      }
    },
  );

  it('blends class colours into the overlay and names files after the images', async () => {
    const out = path.join(dir, 'overlay');
    const [r] = await predictFiles(model, manifestFor('index'), [data.imagePaths[0]!], out, {
      alpha: 1,
    });
    const overlay = await decodeRgb(r!.overlay);
    const label = (await predictLabelMap(model, manifestFor('index'), await decodeRgb(r!.image)))
      .label;
    const p = 5 * 30 + 7;
    expect(Array.from(overlay.data.subarray(p * 3, p * 3 + 3))).toEqual(classes[label[p]!]!.color);
  });

  it('names the unreadable file', async () => {
    await expect(
      predictFiles(
        model,
        manifestFor('index'),
        [path.join(dir, 'missing.png')],
        path.join(dir, 'x'),
      ),
    ).rejects.toThrow(/missing\.png: cannot read the image/);
  });
});

// The editor's uncertainty overlay starts here: checked against the model's own softmax.
describe('per-pixel entropy map', () => {
  it('is the softmax entropy of every model pixel, between 0 and ln(classes)', async () => {
    const image = await decodeRgb(data.imagePaths[0]!);
    const before = tf.memory().numTensors;
    const manifest = manifestFor('index');
    const map = await entropyMap(model, manifest, image);
    expect(tf.memory().numTensors).toBe(before);

    expect([map.width, map.height]).toEqual([16, 12]);
    expect(map.entropy.length).toBe(16 * 12);
    expect(map.maxEntropy).toBeCloseTo(Math.log(3), 6);
    for (const e of map.entropy) {
      expect(e).toBeGreaterThanOrEqual(-1e-6);
      expect(e).toBeLessThanOrEqual(map.maxEntropy + 1e-5);
    }
    // Not a constant: an untrained model is surer in some places than in others.
    expect(Math.max(...map.entropy) - Math.min(...map.entropy)).toBeGreaterThan(1e-4);

    // By hand from the model's own softmax on the same input.
    const size = { width: 16, height: 12 };
    const resized = await resizeRgb(image.data, image.width, image.height, size);
    const probs = tf.tidy(() => {
      const x = inputBatch(
        tf,
        [{ id: 'x', ...size, image: resized, label: new Uint8Array() }],
        size,
        manifest.normalization,
      );
      return tf.softmax(model.predict(x) as tfjs.Tensor4D, -1).dataSync();
    });
    let sum = 0;
    for (let p = 0; p < 16 * 12; p++) {
      let h = 0;
      for (let c = 0; c < 3; c++) {
        const q = probs[p * 3 + c]!;
        if (q > 0) h -= q * Math.log(q);
      }
      expect(map.entropy[p]).toBeCloseTo(h, 4);
      sum += h;
    }
    expect(map.meanEntropy).toBeCloseTo(sum / (16 * 12), 4);
    // The same forward pass ranks "label next".
    expect((await predictWithUncertainty(model, manifest, image)).meanEntropy).toBeCloseTo(
      map.meanEntropy,
      6,
    );
  });

  it('quantises to one byte per pixel: 0 certain, 255 uniform', () => {
    const max = Math.log(3);
    expect([...quantise(Float32Array.from([0, max / 2, max, max * 1.01, -0.001]), max)]).toEqual([
      0, 128, 255, 255, 0,
    ]);
  });
});
