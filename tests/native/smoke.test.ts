// Smoke test of the native TensorFlow backend provisioned by `npm run setup` (scripts/setup.mjs).
// It must FAIL, not skip, when the native backend is missing: a silent fallback to the pure-JS
// backend makes training 10-50x slower.
import { createRequire } from 'node:module';

import type { Rank, Scalar, Tensor4D, Variable } from '@tensorflow/tfjs-node';
import { describe, expect, it } from 'vitest';
import { rng } from '../../scripts/lib/random.mjs';

type Tf = typeof import('@tensorflow/tfjs-node');

const require = createRequire(import.meta.url);

let cached: Tf | undefined;

/** Load tfjs-node (CommonJS native addon) and insist on the native backend. */
function loadNativeTf(): Tf {
  if (cached) return cached;
  let tf: Tf;
  try {
    tf = require('@tensorflow/tfjs-node') as Tf;
  } catch (err) {
    throw new Error(
      `@tensorflow/tfjs-node failed to load its native binding; run \`npm run setup\`.\n${String(err)}`,
    );
  }
  if (tf.getBackend() !== 'tensorflow') {
    throw new Error(
      `backend is '${tf.getBackend()}', expected 'tensorflow'; run \`npm run setup\``,
    );
  }
  cached = tf;
  return tf;
}

const SIZE = 32;
const CLASSES = 3;

/**
 * Synthetic segmentation data: each image is split into random rectangles of a dominant colour
 * (red, green or blue) plus noise; the label of a pixel is its dominant colour channel.
 */
function makeData(tf: Tf, n: number, seed: number) {
  const rand = rng(seed);
  const x = new Float32Array(n * SIZE * SIZE * 3);
  const y = new Int32Array(n * SIZE * SIZE);
  for (let i = 0; i < n; i++) {
    const cx = 4 + Math.floor(rand() * (SIZE - 8));
    const cy = 4 + Math.floor(rand() * (SIZE - 8));
    const quad = [0, 1, 2, 3].map(() => Math.floor(rand() * CLASSES));
    for (let r = 0; r < SIZE; r++) {
      for (let c = 0; c < SIZE; c++) {
        const cls = quad[(r < cy ? 0 : 2) + (c < cx ? 0 : 1)]!;
        const p = (i * SIZE + r) * SIZE + c;
        for (let ch = 0; ch < 3; ch++) {
          const base = ch === cls ? 0.55 + 0.45 * rand() : 0.45 * rand();
          x[p * 3 + ch] = base;
        }
        y[p] = cls;
      }
    }
  }
  const xs = tf.tensor4d(x, [n, SIZE, SIZE, 3]);
  const ys = tf.tidy(() =>
    tf.oneHot(tf.tensor1d(y, 'int32'), CLASSES).reshape([n, SIZE, SIZE, CLASSES]),
  );
  return { xs, ys };
}

describe('native TensorFlow backend (@tensorflow/tfjs-node)', () => {
  it('loads the native binding and uses the tensorflow backend', () => {
    const tf = loadNativeTf();
    expect(tf.getBackend()).toBe('tensorflow');
    // The binding exposes libtensorflow's TF_Version() as a string property.
    const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
    expect(binding?.TF_Version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('trains a small conv net: loss falls and no tensors leak', () => {
    const tf = loadNativeTf();
    const { xs, ys } = makeData(tf, 16, 1234);

    type Shape4 = [number, number, number, number];
    // He-normal init with a fixed seed.
    const init = (shape: Shape4, seed: number): Variable<Rank.R4> =>
      tf.variable(
        tf.randomNormal<Rank.R4>(
          shape,
          0,
          Math.sqrt(2 / (shape[0] * shape[1] * shape[2])),
          'float32',
          seed,
        ),
      );
    const w1 = init([3, 3, 3, 8], 1);
    const b1 = tf.variable(tf.zeros([8]));
    const w2 = init([3, 3, 8, CLASSES], 2);
    const b2 = tf.variable(tf.zeros([CLASSES]));
    const vars = [w1, b1, w2, b2];

    // conv3x3(3->8) + bias, relu, conv3x3(8->CLASSES) + bias: per-pixel class logits
    const model = (x: Tensor4D): Tensor4D => {
      const h = tf.relu(tf.add(tf.conv2d(x, w1, 1, 'same'), b1)) as Tensor4D;
      return tf.add(tf.conv2d(h, w2, 1, 'same'), b2);
    };

    const before = tf.memory().numTensors;
    const optimizer = tf.train.adam(0.05);
    const losses: number[] = [];
    let afterFirstStep = -1;
    const t0 = Date.now();
    for (let step = 0; step < 30; step++) {
      const cost = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(ys, model(xs)) as Scalar,
        true,
        vars,
      );
      losses.push(cost!.dataSync()[0]!);
      cost!.dispose();
      if (step === 0) afterFirstStep = tf.memory().numTensors;
    }
    const afterLastStep = tf.memory().numTensors;
    optimizer.dispose();
    const after = tf.memory().numTensors;
    const ms = Date.now() - t0;

    const first = losses[0]!;
    const last = losses[losses.length - 1]!;
    console.log(`30 Adam steps in ${ms} ms, loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(last).toBeLessThan(0.5 * first);
    expect(afterLastStep).toBe(afterFirstStep); // no per-step leak (Adam's slots exist after step 1)
    expect(after).toBe(before); // the loop leaves nothing behind once the optimizer is disposed

    tf.dispose([xs, ys, ...vars]);
  }, 20_000);
});
