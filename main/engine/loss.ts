/** The training loss: masked, class-weighted softmax cross-entropy with its own gradient. */
import type * as tfjs from '@tensorflow/tfjs';
import type { LossConfig } from '../../shared/training/config';
import type { Tf } from '../native/backend';
import { nativeOps } from './kernels/native';

/** OHEM's selection: pixels with p_true below `threshold`, unless fewer than `minKept` are. */
export interface HardPixels {
  readonly threshold: number;
  /** Fraction of the labelled pixels; with fewer hard ones every labelled pixel counts. */
  readonly minKept: number;
}

/** The `HardPixels` of a loss config, or null for plain cross-entropy. */
export function hardPixelsOf(loss: LossConfig): HardPixels | null {
  return loss.type === 'ohem' ? { threshold: loss.ohemThreshold, minKept: loss.ohemMinKept } : null;
}

/**
 * Softmax cross-entropy averaged over the per-pixel weights:
 *   sum_p w_p * -log softmax(logits_p)[y_p] / max(sum_p w_p, eps)
 * `weights` is 0 for void (ignored) pixels and the class weight (or 1) elsewhere, so void never
 * contributes and class weighting normalises like PyTorch's weighted CrossEntropyLoss.
 *
 * Implemented with an analytic gradient ((softmax - onehot) * w / sum w) around one Softmax
 * kernel (oneDNN's on the native backend, see `NativeOps.softmax`): about twice as fast on the
 * CPU as differentiating logSoftmax * oneHot, and less CPU than libtensorflow's
 * SparseSoftmaxCrossEntropyWithLogits at 12 and at 101 classes (see bench/RESULTS.md), which
 * matters at full resolution. The value reads p_y with one GatherNd
 * (one element per pixel, no full-size pass); the one-hot map is made only in the gradient,
 * where (p - onehot) * s is three cheap parallel passes. A scatter of s into p * s
 * (TensorScatterSub) costs more: its update loop is single-threaded (bench/RESULTS.md).
 * Labels must be in [0, C) (void pixels carry label 0 and weight 0). With `hard` (OHEM) the
 * weights of easy pixels become 0 for this batch; the selection is a constant of the gradient.
 */
export function maskedCrossEntropy(
  tf: Tf,
  logits: tfjs.Tensor4D,
  labels: tfjs.Tensor3D,
  weights: tfjs.Tensor3D,
  hard: HardPixels | null = null,
): tfjs.Scalar {
  const shape = logits.shape;
  const numClasses = shape[3];
  const pixels = shape[0] * shape[1] * shape[2];
  const ops = nativeOps(tf);
  const fn = tf.customGrad((...args: (tfjs.Tensor | tfjs.GradSaveFunc)[]) => {
    const lg = args[0] as tfjs.Tensor4D;
    const y = args[1] as tfjs.Tensor3D;
    const wt = args[2] as tfjs.Tensor3D;
    const save = args[3] as tfjs.GradSaveFunc;
    const flatLogits = tf.reshape(lg, [pixels, numClasses]) as tfjs.Tensor2D;
    const probs = ops ? ops.softmax(flatLogits) : tf.softmax(flatLogits);
    const givenW = tf.reshape(wt, [pixels]) as tfjs.Tensor1D;
    const flatY = tf.reshape(y, [pixels]);
    const pY = tf.gatherND(probs, tf.stack([tf.range(0, pixels, 1, 'int32'), flatY], 1));
    const flatW = hard ? hardPixelWeights(tf, pY as tfjs.Tensor1D, givenW, hard) : givenW;
    // -log p_y; the clamp only bounds the reported value (at 69) when p_y underflows to 0.
    const nll = tf.neg(tf.log(tf.maximum(pY, 1e-30)));
    const total = tf.maximum(tf.sum(flatW), 1e-6);
    save([probs, flatY, flatW, total]);
    const value = tf.div(tf.sum(tf.mul(nll, flatW)), total) as tfjs.Scalar;
    const gradFunc = (dy: tfjs.Scalar, saved: tfjs.Tensor[]): tfjs.Tensor[] => {
      const [p, t, wv, tv] = saved as [tfjs.Tensor2D, tfjs.Tensor1D, tfjs.Tensor1D, tfjs.Scalar];
      const scale = tf.expandDims(tf.mul(wv, tf.div(dy, tv)), 1);
      const onehot = tf.oneHot(t, numClasses, 1, 0, 'float32');
      const dLogits = tf.mul(tf.sub(p, onehot), scale);
      return [tf.reshape(dLogits, shape), tf.zerosLike(y), tf.zerosLike(wt)];
    };
    return { value, gradFunc };
  });
  return fn(logits, labels, weights) as tfjs.Scalar;
}

function hardPixelWeights(
  tf: Tf,
  pY: tfjs.Tensor1D,
  weights: tfjs.Tensor1D,
  hard: HardPixels,
): tfjs.Tensor1D {
  const labelled = tf.cast(tf.greater(weights, 0), 'float32');
  const isHard = tf.mul(tf.cast(tf.less(pY, hard.threshold), 'float32'), labelled);
  // 1 when enough pixels are hard (keep only those), 0 otherwise (keep every labelled one).
  const enough = tf.cast(
    tf.greaterEqual(tf.sum(isHard), tf.mul(tf.sum(labelled), hard.minKept)),
    'float32',
  );
  const keep = tf.add(tf.mul(isHard, enough), tf.mul(labelled, tf.sub(1, enough)));
  return tf.mul(weights, keep);
}

/** Reference implementation (autodiff through logSoftmax), for tests. */
export function maskedCrossEntropyReference(
  tf: Tf,
  logits: tfjs.Tensor4D,
  labels: tfjs.Tensor3D,
  weights: tfjs.Tensor3D,
): tfjs.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[3]), logp), -1));
    return tf.div(tf.sum(tf.mul(nll, weights)), tf.maximum(tf.sum(weights), 1e-6)) as tfjs.Scalar;
  });
}
