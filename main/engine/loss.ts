import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../native/backend';

/**
 * Softmax cross-entropy averaged over the per-pixel weights:
 *   sum_p w_p * -log softmax(logits_p)[y_p] / max(sum_p w_p, eps)
 * `weights` is 0 for void (ignored) pixels and the class weight (or 1) elsewhere, so void never
 * contributes and class weighting normalises like PyTorch's weighted CrossEntropyLoss.
 */
export function maskedCrossEntropy(
  tf: Tf,
  logits: tfjs.Tensor4D,
  labels: tfjs.Tensor3D,
  weights: tfjs.Tensor3D,
): tfjs.Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[3];
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(labels, numClasses);
    const nll = tf.neg(tf.sum(tf.mul(onehot, logp), -1));
    const total = tf.sum(tf.mul(nll, weights));
    return tf.div(total, tf.maximum(tf.sum(weights), 1e-6)) as tfjs.Scalar;
  });
}
