/**
 * Faster training-mode BatchNormalization for the CPU.
 *
 * tfjs' BatchNormalization differentiates through moments() and a batchNorm gradient that
 * tiles mean/variance to the full input shape: ~25 full-size elementwise passes per layer per
 * step. This replaces the *training* path of a BatchNormalization layer instance with the
 * analytic forward/backward (about 7 + 7 passes):
 *   y = gamma * xhat + beta,  xhat = (x - mean) / sqrt(var + eps)
 *   dx = gamma / sqrt(var + eps) * (dy - mean(dy) - xhat * mean(dy * xhat))
 * and the same moving-average update (biased batch variance, like tfjs). Inference and
 * serialisation are untouched: the layer stays a standard `BatchNormalization`, so saved models
 * load anywhere without custom classes.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../../native/backend';

type Kwargs = Record<string, unknown>;
type CallFn = (inputs: tfjs.Tensor | tfjs.Tensor[], kwargs: Kwargs) => tfjs.Tensor | tfjs.Tensor[];

interface BnConfig {
  readonly momentum: number;
  readonly epsilon: number;
}

export function installFastBatchNorm(tf: Tf, layer: tfjs.layers.Layer, cfg: BnConfig): void {
  const target = layer as unknown as { call: CallFn };
  const original: CallFn = target.call.bind(layer);
  target.call = (inputs, kwargs) => {
    if (kwargs['training'] !== true) return original(inputs, kwargs);
    const x = (Array.isArray(inputs) ? inputs[0] : inputs)!;
    const byLeaf = new Map(
      layer.weights.map((w) => [w.originalName.slice(w.originalName.lastIndexOf('/') + 1), w]),
    );
    const gamma = byLeaf.get('gamma')!;
    const beta = byLeaf.get('beta')!;
    const movingMean = byLeaf.get('moving_mean')!;
    const movingVariance = byLeaf.get('moving_variance')!;
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const count = x.size / x.shape[x.rank - 1]!;
    const bn = tf.customGrad((...args: (tfjs.Tensor | tfjs.GradSaveFunc)[]) => {
      const xin = args[0] as tfjs.Tensor;
      const g = args[1] as tfjs.Tensor1D;
      const b = args[2] as tfjs.Tensor1D;
      const save = args[3] as tfjs.GradSaveFunc;
      const { mean, variance } = tf.moments(xin, axes);
      const invStd = tf.rsqrt(tf.add(variance, cfg.epsilon));
      const xhat = tf.mul(tf.sub(xin, mean), invStd);
      const value = tf.add(tf.mul(xhat, g), b);
      // Moving statistics, exactly as tfjs: moving = moving - (moving - batch) * (1 - momentum).
      const decay = 1 - cfg.momentum;
      movingMean.write(tf.sub(movingMean.read(), tf.mul(tf.sub(movingMean.read(), mean), decay)));
      movingVariance.write(
        tf.sub(movingVariance.read(), tf.mul(tf.sub(movingVariance.read(), variance), decay)),
      );
      save([xhat, tf.mul(g, invStd)]);
      const gradFunc = (dy: tfjs.Tensor, saved: tfjs.Tensor[]): tfjs.Tensor[] => {
        const [xh, scale] = saved as [tfjs.Tensor, tfjs.Tensor1D];
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, xh), axes);
        const centred = tf.sub(tf.sub(dy, tf.div(dBeta, count)), tf.mul(xh, tf.div(dGamma, count)));
        return [tf.mul(centred, scale), dGamma, dBeta];
      };
      return { value, gradFunc };
    });
    return bn(x, gamma.read(), beta.read());
  };
}
