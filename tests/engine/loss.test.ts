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
