/** The training loss: masked, class-weighted softmax cross-entropy with its own gradient. */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../native/backend';
import { nativeOps } from './kernels/native';

/**
 * Softmax cross-entropy averaged over the per-pixel weights:
 *   sum_p w_p * -log softmax(logits_p)[y_p] / max(sum_p w_p, eps)
 * `weights` is 0 for void (ignored) pixels and the class weight (or 1) elsewhere, so void never
 * contributes and class weighting normalises like PyTorch's weighted CrossEntropyLoss.
 *
 * Implemented with an analytic gradient ((softmax - onehot) * w / sum w) around one Softmax
 * kernel: about twice as fast on the CPU as differentiating logSoftmax * oneHot, and at 12
 * classes ~35% less CPU than libtensorflow's SparseSoftmaxCrossEntropyWithLogits (see
 * bench/RESULTS.md), which matters at full resolution. With many classes on the native backend
 * no one-hot map is made: p_y is gathered at flat indices and the gradient is probs * s with s
 * subtracted at those indices (one TensorScatterSub); see GATHER_MIN_CLASSES.
 * Labels must be in [0, C) (void pixels carry label 0 and weight 0).
 */
/**
 * From this many classes the gather/scatter path is cheaper than the one-hot map: at 101
 * classes (16x240x240) 0.63 vs 0.76 CPU s for value + gradient; at 12 (8x360x480) the scatter
 * over 1.4 M pixels costs more than a 12-wide one-hot map saves (0.30 vs 0.21 s).
 */
const GATHER_MIN_CLASSES = 32;

export function maskedCrossEntropy(
  tf: Tf,
  logits: tfjs.Tensor4D,
  labels: tfjs.Tensor3D,
  weights: tfjs.Tensor3D,
): tfjs.Scalar {
  const shape = logits.shape;
  const numClasses = shape[3];
  const pixels = shape[0] * shape[1] * shape[2];
  // Flat int32 indices into the logits must stay below 2^31.
  const ops =
    numClasses >= GATHER_MIN_CLASSES && pixels * numClasses < 2 ** 31 ? nativeOps(tf) : null;
  const fn = tf.customGrad((...args: (tfjs.Tensor | tfjs.GradSaveFunc)[]) => {
    const lg = args[0] as tfjs.Tensor4D;
    const y = args[1] as tfjs.Tensor3D;
    const wt = args[2] as tfjs.Tensor3D;
    const save = args[3] as tfjs.GradSaveFunc;
    const probs = tf.softmax(tf.reshape(lg, [pixels, numClasses]));
    const flatW = tf.reshape(wt, [pixels]);
    // Where each pixel's label sits in the flat logits (native), or the one-hot map (JS).
    const target = ops
      ? tf.add(tf.range(0, pixels * numClasses, numClasses, 'int32'), tf.reshape(y, [pixels]))
      : tf.oneHot(tf.reshape(y, [pixels]), numClasses, 1, 0, 'float32');
    const pY = ops
      ? tf.gather(tf.reshape(probs, [pixels * numClasses]), target)
      : tf.sum(tf.mul(probs, target), -1);
    // -log p_y; the clamp only bounds the reported value (at 69) when p_y underflows to 0.
    const nll = tf.neg(tf.log(tf.maximum(pY, 1e-30)));
    const total = tf.maximum(tf.sum(flatW), 1e-6);
    save([probs, target, flatW, total]);
    const value = tf.div(tf.sum(tf.mul(nll, flatW)), total) as tfjs.Scalar;
    const gradFunc = (dy: tfjs.Scalar, saved: tfjs.Tensor[]): tfjs.Tensor[] => {
      const [p, t, wv, tv] = saved as [tfjs.Tensor2D, tfjs.Tensor, tfjs.Tensor1D, tfjs.Scalar];
      const scale: tfjs.Tensor1D = tf.mul(wv, tf.div(dy, tv));
      const dLogits = ops
        ? ops.scatterSub(
            tf.reshape(tf.mul(p, tf.expandDims(scale, 1)), [pixels * numClasses]) as tfjs.Tensor1D,
            t as tfjs.Tensor1D,
            scale,
          )
        : tf.mul(tf.sub(p, t), tf.expandDims(scale, 1));
      return [tf.reshape(dLogits, shape), tf.zerosLike(y), tf.zerosLike(wt)];
    };
    return { value, gradFunc };
  });
  return fn(logits, labels, weights) as tfjs.Scalar;
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
