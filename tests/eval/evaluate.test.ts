import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { EvalReport } from '../../shared/contracts/evaluation';
import { ConfusionMatrix, summarize } from '../../shared/metrics/confusion';
import { IGNORE_LABEL, type DecodedSample } from '../../main/dataset/source';
import { resizeNearest } from '../../main/dataset/sample-source';
import { evaluateModel, validateModel } from '../../main/engine/evaluate';
import { imagesConfusing } from '../../renderer/src/lib/confusion-images';
import { maskedCrossEntropyReference } from '../../main/engine/loss';
import { inputBatch, resizeRgb } from '../../main/engine/predict-input';
import { getTf } from '../../main/native/backend';
import { createFixtureDataset, tinySegModel, type FixtureDataset } from './helpers/fixture-dataset';

const NORM = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } as const;
const normalization = { mean: [...NORM.mean], std: [...NORM.std] } as {
  mean: [number, number, number];
  std: [number, number, number];
};
const tf = getTf();
let dir: string;
let data: FixtureDataset;
let model: tfjs.LayersModel;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segstudio-eval-'));
  data = await createFixtureDataset(dir, { count: 5, width: 30, height: 22 });
  model = tinySegModel(tf, { width: 16, height: 12, numClasses: 3 });
});

afterAll(async () => {
  model.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Reference: the same pipeline with per-pixel JS counting instead of tf bincount. */
async function referenceMatrix(): Promise<ConfusionMatrix> {
  const m = new ConfusionMatrix(3);
  for (let i = 0; i < data.source.count; i++) {
    const input = await data.source.load(i, { resize: { width: 16, height: 12 } });
    const original = await data.source.load(i);
    const pred = tf.tidy(() => {
      const logits = model.predict(
        inputBatch(tf, [input], { width: 16, height: 12 }, normalization),
      ) as tfjs.Tensor4D;
      const up = tf.image.resizeBilinear(logits, [original.height, original.width], false, true);
      return tf.argMax(up, -1).dataSync();
    });
    m.addLabels(original.label, pred);
  }
  return m;
}

describe('evaluateModel', () => {
  it('computes metrics at the annotation resolution, matching a per-pixel JS reference', async () => {
    const progress: [number, number][] = [];
    const before = tf.memory().numTensors;
    const result = await evaluateModel(model, data.source, {
      normalization,
      batchSize: 2,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(tf.memory().numTensors).toBe(before);

    const report = EvalReport.parse({ ...result, runName: 'r', checkpoint: 'x', evaluatedAt: 0 });
    const reference = await referenceMatrix();
    expect(report.confusion).toEqual(reference.rows());
    // 5 images of 30x22 with the first column void.
    expect(reference.total()).toBe(5 * 29 * 22);
    const summary = summarize(reference);
    expect(report.mIoU).toBeCloseTo(summary.mIoU ?? NaN, 10);
    expect(report.pixelAccuracy).toBeCloseTo(summary.pixelAccuracy ?? NaN, 10);
    expect(report.perClass.map((c) => [c.id, c.name])).toEqual([
      [0, 'sky'],
      [3, 'road'],
      [7, 'car'],
    ]);
    expect(report.perImage.map((p) => p.sample)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `sample_00${i}`),
    );
    for (const p of report.perImage) {
      expect(p.mIoU).toBeGreaterThanOrEqual(0);
      expect(p.mIoU).toBeLessThanOrEqual(1);
    }
    // The matrix's cell list: per-image wrong pixels add up to each off-diagonal cell, and the
    // images of the biggest confusion come most-pixels first.
    const rows = reference.rows();
    let biggest = { truth: 0, predicted: 0, pixels: 0 };
    rows.forEach((row, t) =>
      row.forEach((count, q) => {
        if (t === q) return;
        const listed = imagesConfusing(report.perImage, t, q) ?? [];
        expect(listed.reduce((sum, img) => sum + img.pixels, 0)).toBe(count);
        if (count > biggest.pixels) biggest = { truth: t, predicted: q, pixels: count };
      }),
    );
    expect(biggest.pixels).toBeGreaterThan(0);
    const ranked = imagesConfusing(report.perImage, biggest.truth, biggest.predicted)!;
    expect(ranked.map((img) => img.pixels)).toEqual(
      [...ranked.map((img) => img.pixels)].sort((a, b) => b - a),
    );
    expect(progress[0]).toEqual([0, 5]);
    expect(progress.at(-1)).toEqual([5, 5]);
  });

  it('test-time flip averages the logits of the image and of its mirror, mirrored back', async () => {
    const size = { width: 16, height: 12 };
    /** Mirrors an interleaved row-major [h, w, c] array left to right (in JS, not with tf). */
    const mirror = <T extends Float32Array | Uint8Array>(
      a: T,
      w: number,
      h: number,
      c: number,
    ): T => {
      const out = a.slice() as T;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = a[(y * w + (w - 1 - x)) * c + k]!;
      return out;
    };
    const expected = new ConfusionMatrix(3);
    for (let i = 0; i < data.source.count; i++) {
      const input = await data.source.load(i, { resize: size });
      const original = await data.source.load(i);
      const mirrored = { ...input, image: mirror(input.image, size.width, size.height, 3) };
      const pred = tf.tidy(() => {
        const logitsOf = (s: DecodedSample) =>
          (model.predict(inputBatch(tf, [s], size, normalization)) as tfjs.Tensor4D).dataSync();
        const plain = logitsOf(input);
        const back = mirror(Float32Array.from(logitsOf(mirrored)), size.width, size.height, 3);
        const mean = plain.map((v, k) => (v + back[k]!) / 2);
        const logits = tf.tensor4d(mean, [1, size.height, size.width, 3]);
        const up = tf.image.resizeBilinear(logits, [original.height, original.width], false, true);
        return tf.argMax(up, -1).dataSync();
      });
      expected.addLabels(original.label, pred);
    }
    const before = tf.memory().numTensors;
    const flipped = await evaluateModel(model, data.source, { normalization, flip: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(flipped.confusion).toEqual(expected.rows());
    // The tiny model is not mirror-symmetric, so the flip changes what it predicts.
    const plain = await evaluateModel(model, data.source, { normalization });
    expect(plain.confusion).not.toEqual(flipped.confusion);
  });

  it('multi-scale testing averages the logits of copies at other sizes, resized to the model output', async () => {
    const size = { width: 16, height: 12 };
    const big = { width: 24, height: 18 };
    const copy = tinySegModel(tf, { ...big, numClasses: 3 });
    copy.setWeights(model.getWeights());
    try {
      const expected = new ConfusionMatrix(3);
      for (let i = 0; i < data.source.count; i++) {
        const original = await data.source.load(i);
        const small = await data.source.load(i, { resize: size });
        const large = {
          ...original,
          ...big,
          image: await resizeRgb(original.image, original.width, original.height, big),
        };
        const pred = tf.tidy(() => {
          const a = model.predict(inputBatch(tf, [small], size, normalization)) as tfjs.Tensor4D;
          const b = copy.predict(inputBatch(tf, [large], big, normalization)) as tfjs.Tensor4D;
          const mean = tf.div(
            tf.add(a, tf.image.resizeBilinear(b, [12, 16], false, true)),
            2,
          ) as tfjs.Tensor4D;
          const up = tf.image.resizeBilinear(mean, [original.height, original.width], false, true);
          return tf.argMax(up, -1).dataSync();
        });
        expected.addLabels(original.label, pred);
      }
      const scaled = [{ scale: 1.5, size: big, model: copy }];
      const before = tf.memory().numTensors;
      const result = await evaluateModel(model, data.source, {
        normalization,
        scaled,
        batchSize: 2,
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(result.confusion).toEqual(expected.rows());
      const plain = await evaluateModel(model, data.source, { normalization });
      expect(plain.confusion).not.toEqual(result.confusion);
      await expect(
        evaluateModel(model, data.source, { normalization, scaled, resolution: 'model' }),
      ).rejects.toThrow(/annotations' resolution/);
    } finally {
      copy.dispose();
    }
  });

  it('can compare at the model resolution instead', async () => {
    const result = await evaluateModel(model, data.source, {
      normalization,
      resolution: 'model',
      limit: 3,
    });
    const total = result.confusion.flat().reduce((a, b) => a + b, 0);
    // Nearest-resized labels keep the void column at 16/30 of... count the real labels.
    let expected = 0;
    for (let i = 0; i < 3; i++) {
      const s = await data.source.load(i, { resize: { width: 16, height: 12 } });
      expected += s.label.filter((l) => l !== IGNORE_LABEL).length;
    }
    expect(total).toBe(expected);
    expect(result.perImage).toHaveLength(3);
  });

  it('bounds memory on large annotations by upsampling the argmax instead of the logits', async () => {
    const before = tf.memory().numTensors;
    const fine = await evaluateModel(model, data.source, { normalization, limit: 2 });
    const coarse = await evaluateModel(model, data.source, {
      normalization,
      limit: 2,
      maxUpsampledLogits: 1,
    });
    expect(tf.memory().numTensors).toBe(before);
    const total = (r: typeof fine): number => r.confusion.flat().reduce((a, b) => a + b, 0);
    expect(total(coarse)).toBe(total(fine));
    expect(coarse.mIoU).toBeGreaterThanOrEqual(0);
    expect(coarse.mIoU).toBeLessThanOrEqual(1);
  });

  it('refuses a model whose class count differs from the dataset', async () => {
    const wrong = tinySegModel(tf, { width: 16, height: 12, numClasses: 5 });
    await expect(evaluateModel(wrong, data.source, { normalization })).rejects.toThrow(
      /predicts 5 classes but split "val" has 3/,
    );
    wrong.dispose();
  });

  it('validation loss = the training loss (void ignored, class-weighted) over the whole split', async () => {
    const size = { width: 16, height: 12 };
    const classWeights = [0.5, 2, 1];
    // Reference: every sample in one batch through the training loss's autodiff reference.
    const images: DecodedSample[] = [];
    const labels = new Int32Array(data.source.count * size.width * size.height);
    const weights = new Float32Array(labels.length);
    for (let i = 0; i < data.source.count; i++) {
      const s = await data.source.load(i);
      images.push({ ...s, ...size, image: await resizeRgb(s.image, s.width, s.height, size) });
      const small = resizeNearest(s.label, s.width, s.height, size.width, size.height);
      small.forEach((l, p) => {
        const o = i * small.length + p;
        labels[o] = l === IGNORE_LABEL ? 0 : l;
        weights[o] = l === IGNORE_LABEL ? 0 : classWeights[l]!;
      });
    }
    expect(weights.some((w) => w === 0)).toBe(true);
    const expected = tf.tidy(() => {
      const logits = model.predict(inputBatch(tf, images, size, normalization)) as tfjs.Tensor4D;
      const shape: [number, number, number] = [data.source.count, size.height, size.width];
      return maskedCrossEntropyReference(
        tf,
        logits,
        tf.tensor3d(labels, shape, 'int32'),
        tf.tensor3d(weights, shape, 'float32'),
      ).dataSync()[0]!;
    });

    const before = tf.memory().numTensors;
    const { result, loss } = await validateModel(model, data.source, {
      normalization,
      batchSize: 2,
      classWeights,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(loss).toBeCloseTo(expected, 5);
    const plain = await evaluateModel(model, data.source, { normalization, resolution: 'model' });
    expect(result.confusion).toEqual(plain.confusion);
    const unweighted = await validateModel(model, data.source, {
      normalization,
      classWeights: null,
    });
    expect(unweighted.loss).not.toBeCloseTo(expected, 5);
  });
});
