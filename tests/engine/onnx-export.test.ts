/**
 * ONNX export against the real runtimes: each preset is trained for 40 steps on CamVid
 * (real tfjs-node), its weights are put into the network built at several input sizes, and
 * the exported .onnx run by onnxruntime-node must give the same logits (within 1e-4) and the
 * same argmax (>= 99.9% of pixels) as tfjs-node on real CamVid val images.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import type { PresetName } from '../../shared/training/presets';
import { openDataset } from '../../main/dataset/open';
import type { SampleSource } from '../../main/dataset/source';
import { makeTrainingConfig } from '../../main/engine/config';
import { normalizeImage } from '../../main/engine/data';
import { manifestFieldsFor } from '../../main/engine/export-fields';
import { ModelManifest } from '../../main/engine/export-manifest';
import { buildModel } from '../../main/engine/models';
import { namedWeights } from '../../main/engine/models/common';
import { exportOnnx, onnxSidecarPath, UnsupportedLayerError } from '../../main/engine/onnx/export';
import type { NamedArray } from '../../main/engine/optimizer';
import { Trainer } from '../../main/engine/trainer';
import { getTf } from '../../main/native/backend';
import { CAMVID } from '../support/datasets';
import { tempDir } from '../support/folders';
import { maxAbsDiff } from '../support/weights';

const tf = getTf();
const out = tempDir('onnx');
let train: SampleSource;
let val: SampleSource;
let descriptor: Awaited<ReturnType<typeof openDataset>>['descriptor'];
const trained = new Map<PresetName, readonly NamedArray[]>();
/** Agreement per preset and size, printed at the end (the README's table). */
const table: string[] = [];

beforeAll(async () => {
  const index = await openDataset(CAMVID);
  train = index.source('train');
  val = index.source('val');
  descriptor = index.descriptor;
});

afterAll(() => {
  console.log(
    ['preset size layout: max|logit diff| argmax agreement (max|logit|)', ...table].join('\n'),
  );
  out.cleanup();
});

/**
 * Weights as a trained model has them: 40 real optimizer steps at a constant learning rate (the
 * preset's peak, no warmup), so the BatchNorm moving statistics have converged (momentum 0.9:
 * 1.5% of the init left) and the logits have a trained model's size (default preset: largest
 * |logit| ~22 at 480x360; a 20-epoch CamVid run has ~15). Fewer steps inside the warmup left
 * He-init weights and half-initial statistics whose logits reached ~90, where float32 rounding
 * alone is ~1e-4.
 */
async function trainedWeights(preset: PresetName): Promise<readonly NamedArray[]> {
  const have = trained.get(preset);
  if (have) return have;
  const trainer = await Trainer.create(
    {
      preset,
      inputSize: { width: 96, height: 72 },
      batchSize: 4,
      seed: 11,
      classWeights: 'none',
      schedule: { type: 'constant', warmupSteps: 0 },
    },
    { train, classWeightSampleLimit: 4 },
  );
  for (let i = 0; i < 40; i++) await trainer.step();
  const weights = namedWeights(trainer.model);
  trainer.dispose();
  trained.set(preset, weights);
  return weights;
}

/** Real CamVid val images at `size`, normalised, NHWC. */
async function valBatch(
  size: { width: number; height: number },
  count: number,
): Promise<Float32Array> {
  const norm = makeTrainingConfig({}).normalization;
  const plane = size.width * size.height * 3;
  const data = new Float32Array(count * plane);
  for (let i = 0; i < count; i++) {
    const rgb = await sharp(val.imagePath(i * 17))
      .removeAlpha()
      .resize(size.width, size.height, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
    data.set(normalizeImage(new Uint8Array(rgb), norm), i * plane);
  }
  return data;
}

/** NCHW [n, c, h, w] -> NHWC, to compare with tfjs. */
function nchwToNhwc(x: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const y = new Float32Array(x.length);
  for (let b = 0; b < n!; b++)
    for (let k = 0; k < c!; k++)
      for (let p = 0; p < h! * w!; p++)
        y[(b * h! * w! + p) * c! + k] = x[(b * c! + k) * h! * w! + p]!;
  return y;
}

function argmaxAgreement(a: Float32Array, b: Float32Array, classes: number): number {
  let same = 0;
  const pixels = a.length / classes;
  for (let p = 0; p < pixels; p++) {
    let ia = 0;
    let ib = 0;
    for (let k = 1; k < classes; k++) {
      if (a[p * classes + k]! > a[p * classes + ia]!) ia = k;
      if (b[p * classes + k]! > b[p * classes + ib]!) ib = k;
    }
    if (ia === ib) same++;
  }
  return same / pixels;
}

const CASES: readonly [PresetName, number, number, 'NCHW' | 'NHWC'][] = [
  ['default', 480, 360, 'NCHW'],
  ['default', 240, 240, 'NHWC'],
  ['default', 200, 136, 'NCHW'],
  ['seed-alexnet-fcn', 240, 240, 'NCHW'],
  ['seed-alexnet-fcn', 320, 240, 'NHWC'],
  ['seed-alexnet-fcn', 150, 101, 'NCHW'],
];

describe('ONNX export', () => {
  for (const [preset, width, height, layout] of CASES) {
    it(`${preset} ${width}x${height} ${layout}: onnxruntime matches tfjs-node on CamVid`, async () => {
      const config = makeTrainingConfig({ preset, inputSize: { width, height } });
      const { model } = buildModel(tf, config, train.classes.length);
      const byName = new Map((await trainedWeights(preset)).map((w) => [w.name, w]));
      for (const v of model.weights) {
        const w = byName.get(v.originalName)!;
        const t = tf.tensor(w.data, [...w.shape]);
        v.write(t);
        t.dispose();
      }
      const fields = manifestFieldsFor({ config, classes: train.classes, descriptor });
      const file = path.join(out.dir, `${preset}-${width}x${height}.onnx`);
      const steps: number[] = [];
      const written = await exportOnnx(model, fields, file, {
        layout,
        onProgress: (done) => steps.push(done),
      });
      expect(steps.at(-1)).toBe(model.layers.length + 3);

      expect(written.sidecar).toBe(onnxSidecarPath(file));
      const sidecar = ModelManifest.parse(JSON.parse(readFileSync(written.sidecar, 'utf8')));
      expect(sidecar.onnx?.input.shape).toEqual(
        layout === 'NHWC' ? ['batch', height, width, 3] : ['batch', 3, height, width],
      );
      expect(sidecar.onnx).toMatchObject({ file: path.basename(file), opset: 17, layout });
      expect(sidecar.classes.map((c) => c.name)).toEqual(train.classes.map((c) => c.name));
      expect(sidecar.normalization).toEqual(config.normalization);

      const count = 2;
      const input = await valBatch({ width, height }, count);
      const classes = train.classes.length;
      const ref = tf.tidy(
        () =>
          (
            model.predict(tf.tensor4d(input, [count, height, width, 3])) as tfjs.Tensor
          ).dataSync() as Float32Array,
      );
      const session = await ort.InferenceSession.create(readFileSync(file));
      const feedShape = layout === 'NHWC' ? [count, height, width, 3] : [count, 3, height, width];
      const feed = layout === 'NHWC' ? input : nhwcToNchw(input, [count, height, width, 3]);
      const result = await session.run({ input: new ort.Tensor('float32', feed, feedShape) });
      const logits = result['logits']!;
      expect(logits.dims).toEqual(
        layout === 'NHWC' ? [count, height, width, classes] : [count, classes, height, width],
      );
      const got =
        layout === 'NHWC'
          ? (logits.data as Float32Array)
          : nchwToNhwc(logits.data as Float32Array, logits.dims);
      const diff = maxAbsDiff(ref, got);
      const largest = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const agreement = argmaxAgreement(ref, got, classes);
      table.push(
        `${preset} ${width}x${height} ${layout}: ${diff.toExponential(2)} ${(agreement * 100).toFixed(3)}% (max|logit| ${largest.toFixed(1)})`,
      );
      expect(diff).toBeLessThan(1e-4);
      expect(agreement).toBeGreaterThanOrEqual(0.999);
      const proto = onnx.ModelProto.decode(readFileSync(file));
      expect(proto.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
      const meta = proto.metadataProps.find((p) => p.key === 'segstudio.json')?.value ?? '';
      expect(JSON.parse(meta)).toEqual(sidecar);
      await session.release();
      model.dispose();
    }, 180_000);
  }

  it('refuses a layer class it cannot translate, naming the class and the layer', async () => {
    const input = tf.input({ shape: [16, 16, 3] });
    const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'c' });
    const norm = tf.layers.layerNormalization({ name: 'ln' });
    const model = tf.model({
      inputs: input,
      outputs: norm.apply(conv.apply(input)) as tfjs.SymbolicTensor,
    });
    const config = makeTrainingConfig({ inputSize: { width: 16, height: 16 } });
    const fields = manifestFieldsFor({ config, classes: train.classes.slice(0, 3), descriptor });
    const file = path.join(out.dir, 'unsupported.onnx');
    const error = await exportOnnx(model, fields, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedLayerError);
    expect((error as Error).message).toMatch(
      /layer ln is a LayerNormalization, which the ONNX export does not support/,
    );
    expect(existsSync(file)).toBe(false);
    expect(existsSync(onnxSidecarPath(file))).toBe(false);
    model.dispose();
  });
});

function nhwcToNchw(x: Float32Array, [n, h, w, c]: readonly number[]): Float32Array {
  const y = new Float32Array(x.length);
  for (let b = 0; b < n!; b++)
    for (let p = 0; p < h! * w!; p++)
      for (let k = 0; k < c!; k++) y[(b * c! + k) * h! * w! + p] = x[(b * h! * w! + p) * c! + k]!;
  return y;
}
