import type * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maskedCrossEntropy, maskedCrossEntropyReference } from '../../main/engine/loss';
import { getTf } from '../../main/native/backend';

const tf = getTf();

describe('maskedCrossEntropy', () => {
  // 4 classes and 101 (the seed head).
  it.each([4, 101])(
    '(%i classes) matches the autodiff reference in value and gradient; void pixels contribute nothing',
    (classes) => {
      const logits = tf.randomNormal([2, 5, 6, classes], 0, 2, 'float32', 3) as tfjs.Tensor4D;
      const labels = tf.randomUniform([2, 5, 6], 0, classes, 'int32', 4) as tfjs.Tensor3D;
      const weights = tf.tidy(() =>
        tf.mul(
          tf.cast(tf.greater(tf.randomUniform([2, 5, 6], 0, 1, 'float32', 5), 0.2), 'float32'),
          tf.randomUniform([2, 5, 6], 0.5, 2, 'float32', 6),
        ),
      ) as tfjs.Tensor3D;
      const before = tf.memory().numTensors;
      const [a, ga] = tf.tidy(() => {
        const g = tf.valueAndGrad((x: tfjs.Tensor) =>
          maskedCrossEntropy(tf, x as tfjs.Tensor4D, labels, weights),
        )(logits);
        return [g.value, g.grad];
      });
      const [r, gr] = tf.tidy(() => {
        const g = tf.valueAndGrad((x: tfjs.Tensor) =>
          maskedCrossEntropyReference(tf, x as tfjs.Tensor4D, labels, weights),
        )(logits);
        return [g.value, g.grad];
      });
      expect(a!.dataSync()[0]!).toBeCloseTo(r!.dataSync()[0]!, 5);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ga!, gr!))).dataSync()[0]!);
      expect(diff).toBeLessThan(1e-6);
      tf.dispose([a!, ga!, r!, gr!]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([logits, labels, weights]);
    },
  );
});

describe('maskedCrossEntropy with OHEM (hard pixels)', () => {
  const logits = tf.randomNormal([2, 6, 7, 5], 0, 2, 'float32', 8) as tfjs.Tensor4D;
  const labels = tf.randomUniform([2, 6, 7], 0, 5, 'int32', 9) as tfjs.Tensor3D;
  const weights = tf.tidy(() =>
    tf.mul(
      tf.cast(tf.greater(tf.randomUniform([2, 6, 7], 0, 1, 'float32', 10), 0.2), 'float32'),
      tf.randomUniform([2, 6, 7], 0.5, 2, 'float32', 11),
    ),
  ) as tfjs.Tensor3D;
  /** Value and gradient of `f` at the logits, as plain numbers. */
  const valueAndGrad = (f: (x: tfjs.Tensor4D) => tfjs.Scalar): [number, Float32Array] =>
    tf.tidy(() => {
      const g = tf.valueAndGrad((x: tfjs.Tensor) => f(x as tfjs.Tensor4D))(logits);
      return [g.value.dataSync()[0]!, g.grad.dataSync() as Float32Array];
    });
  // The true-class probability of every pixel, from the reference softmax.
  const pTrue = tf.tidy(() =>
    tf.sum(tf.mul(tf.softmax(logits), tf.oneHot(labels, 5)), -1).dataSync(),
  ) as Float32Array;
  const w = weights.dataSync() as Float32Array;

  it('counts only labelled pixels with p_true below the threshold, in value and gradient', () => {
    const threshold = 0.5;
    const kept = w.map((x, i) => (pTrue[i]! < threshold ? x : 0));
    // The test means something only if some labelled pixels are easy and some hard.
    expect(kept.filter((x) => x > 0).length).toBeGreaterThan(5);
    expect(kept.filter((x, i) => x === 0 && w[i]! > 0).length).toBeGreaterThan(5);
    const before = tf.memory().numTensors;
    const [a, ga] = valueAndGrad((x) =>
      maskedCrossEntropy(tf, x, labels, weights, { threshold, minKept: 0.05 }),
    );
    expect(tf.memory().numTensors).toBe(before);
    const keptW = tf.tensor3d(kept, [2, 6, 7]);
    const [r, gr] = valueAndGrad((x) => maskedCrossEntropyReference(tf, x, labels, keptW));
    keptW.dispose();
    expect(a).toBeCloseTo(r, 5);
    let diff = 0;
    ga.forEach((g, i) => (diff = Math.max(diff, Math.abs(g - gr[i]!))));
    expect(diff).toBeLessThan(1e-6);
  });

  it('keeps every labelled pixel when fewer than minKept of them are hard', () => {
    const threshold = 0.05;
    const labelled = w.filter((x) => x > 0).length;
    const hard = w.filter((x, i) => x > 0 && pTrue[i]! < threshold).length;
    expect(hard).toBeLessThan(labelled * 0.5);
    const [a] = valueAndGrad((x) =>
      maskedCrossEntropy(tf, x, labels, weights, { threshold, minKept: 0.5 }),
    );
    const [r] = valueAndGrad((x) => maskedCrossEntropyReference(tf, x, labels, weights));
    expect(a).toBeCloseTo(r, 5);
  });
});
