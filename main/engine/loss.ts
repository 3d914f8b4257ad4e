/** The training loss: masked, class-weighted softmax cross-entropy with its own gradient. */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../native/backend';
import { nativeOps, type NativeOps } from './kernels/native';

/**
 * Softmax cross-entropy averaged over the per-pixel weights:
 *   sum_p w_p * -log softmax(logits_p)[y_p] / max(sum_p w_p, eps)
 * `weights` is 0 for void (ignored) pixels and the class weight (or 1) elsewhere, so void never
 * contributes and class weighting normalises like PyTorch's weighted CrossEntropyLoss.
 *
 * Implemented with an analytic gradient ((softmax - onehot) * w / sum w): about twice as fast
 * on the CPU as differentiating logSoftmax * oneHot, which matters at full resolution. On the
 * native backend the per-pixel loss and (softmax - onehot) come from one
 * SparseSoftmaxCrossEntropyWithLogits kernel. Labels must be in [0, C) (void pixels carry
 * label 0 and weight 0).
 */
export function maskedCrossEntropy(
  tf: Tf,
  logits: tfjs.Tensor4D,
  labels: tfjs.Tensor3D,
  weights: tfjs.Tensor3D,
): tfjs.Scalar {
  const [b, h, w, numClasses] = logits.shape;
  const pixels = b * h * w;
  const native = nativeOps(tf);
  if (native) return nativeMaskedCrossEntropy(tf, native, logits, labels, weights);
  const fn = tf.customGrad((...args: (tfjs.Tensor | tfjs.GradSaveFunc)[]) => {
    const lg = args[0] as tfjs.Tensor4D;
    const y = args[1] as tfjs.Tensor3D;
    const wt = args[2] as tfjs.Tensor3D;
    const save = args[3] as tfjs.GradSaveFunc;
    const z = tf.sub(lg, tf.max(lg, -1, true));
    const e = tf.exp(z);
    const s = tf.sum(e, -1);
    const picked = tf.reshape(
      tf.gather(tf.reshape(z, [pixels, numClasses]), tf.reshape(y, [pixels, 1]), 1, 1),
      [b, h, w],
    );
    const nll = tf.sub(tf.log(s), picked);
    const total = tf.maximum(tf.sum(wt), 1e-6);
    save([e, s, y, wt, total]);
    const value = tf.div(tf.sum(tf.mul(nll, wt)), total) as tfjs.Scalar;
    const gradFunc = (dy: tfjs.Scalar, saved: tfjs.Tensor[]): tfjs.Tensor[] => {
      const [ev, sv, yv, wv, tv] = saved as [
        tfjs.Tensor4D,
        tfjs.Tensor3D,
        tfjs.Tensor3D,
        tfjs.Tensor3D,
        tfjs.Scalar,
      ];
      const scale = tf.div(tf.mul(wv, dy), tv);
      const probs = tf.mul(ev, tf.expandDims(tf.div(scale, sv), -1));
      const target = tf.mul(tf.oneHot(yv, numClasses), tf.expandDims(scale, -1));
      return [tf.sub(probs, target), tf.zerosLike(yv), tf.zerosLike(wv)];
    };
    return { value, gradFunc };
  });
  return fn(logits, labels, weights) as tfjs.Scalar;
}

function nativeMaskedCrossEntropy(
  tf: Tf,
  ops: NativeOps,
  logits: tfjs.Tensor4D,
  labels: tfjs.Tensor3D,
  weights: tfjs.Tensor3D,
): tfjs.Scalar {
  const shape = logits.shape;
  const pixels = shape[0] * shape[1] * shape[2];
  const fn = tf.customGrad((...args: (tfjs.Tensor | tfjs.GradSaveFunc)[]) => {
    const lg = args[0] as tfjs.Tensor4D;
    const y = args[1] as tfjs.Tensor3D;
    const wt = args[2] as tfjs.Tensor3D;
    const save = args[3] as tfjs.GradSaveFunc;
    const flatW = tf.reshape(wt, [pixels]);
    const [nll, backprop] = ops.sparseSoftmaxCrossEntropy(
      tf.reshape(lg, [pixels, shape[3]]),
      tf.reshape(y, [pixels]),
    );
    const total = tf.maximum(tf.sum(flatW), 1e-6);
    save([backprop, flatW, total]);
    const value = tf.div(tf.sum(tf.mul(nll, flatW)), total) as tfjs.Scalar;
    const gradFunc = (dy: tfjs.Scalar, saved: tfjs.Tensor[]): tfjs.Tensor[] => {
      const [bp, wv, tv] = saved as [tfjs.Tensor2D, tfjs.Tensor1D, tfjs.Scalar];
      const scale = tf.expandDims(tf.mul(wv, tf.div(dy, tv)), 1);
      return [tf.reshape(tf.mul(bp, scale), shape), tf.zerosLike(y), tf.zerosLike(wt)];
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
