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
 *
 * On the native backend the forward and backward are each one libtensorflow kernel
 * (FusedBatchNormV3 / FusedBatchNormGradV3) instead of ~7 tfjs ops; the JS path stays for the
 * pure-JS backend. Both update the moving statistics with the biased batch variance.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../../native/backend';
import { nativeOps, type NativeOps } from '../kernels/native';

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
    const native = x.rank === 4 ? nativeOps(tf) : null;
    if (native) {
      return nativeBatchNorm(tf, native, x as tfjs.Tensor4D, byLeaf, cfg, count);
    }
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

type Weights = Map<string, tfjs.LayerVariable>;

function updateMoving(
  tf: Tf,
  variable: tfjs.LayerVariable,
  batch: tfjs.Tensor,
  momentum: number,
): void {
  // Exactly as tfjs: moving = moving - (moving - batch) * (1 - momentum).
  variable.write(tf.sub(variable.read(), tf.mul(tf.sub(variable.read(), batch), 1 - momentum)));
}

function nativeBatchNorm(
  tf: Tf,
  ops: NativeOps,
  x: tfjs.Tensor4D,
  byLeaf: Weights,
  cfg: BnConfig,
  count: number,
): tfjs.Tensor {
  const gamma = byLeaf.get('gamma')!;
  const beta = byLeaf.get('beta')!;
  const bn = tf.customGrad((...args: (tfjs.Tensor | tfjs.GradSaveFunc)[]) => {
    const xin = args[0] as tfjs.Tensor4D;
    const g = args[1] as tfjs.Tensor1D;
    const b = args[2] as tfjs.Tensor1D;
    const save = args[3] as tfjs.GradSaveFunc;
    const out = ops.batchNormTrain(xin, g, b, cfg.epsilon);
    updateMoving(tf, byLeaf.get('moving_mean')!, out.mean, cfg.momentum);
    const biased = tf.mul(out.unbiasedVariance, count > 1 ? (count - 1) / count : 1);
    updateMoving(tf, byLeaf.get('moving_variance')!, biased, cfg.momentum);
    save([xin, g, ...out.reserve]);
    const gradFunc = (dy: tfjs.Tensor, saved: tfjs.Tensor[]): tfjs.Tensor[] => {
      const [xs, gs, ...reserve] = saved as [tfjs.Tensor4D, tfjs.Tensor1D, ...tfjs.Tensor[]];
      return ops.batchNormGrad(dy as tfjs.Tensor4D, xs, gs, reserve, cfg.epsilon);
    };
    return { value: out.y, gradFunc };
  });
  return bn(x, gamma.read(), beta.read());
}

/**
 * Training-mode ReLU whose gradient is one ReluGrad kernel: tfjs differentiates ReLU through
 * `step(x)`, which tfjs-node builds from five ops (IsNan, Greater, Fill, Select, ...).
 * Inference and serialisation stay those of the standard `ReLU` layer.
 */
export function installFastRelu(tf: Tf, layer: tfjs.layers.Layer): void {
  const ops = nativeOps(tf);
  if (!ops) return;
  const target = layer as unknown as { call: CallFn };
  const original: CallFn = target.call.bind(layer);
  const relu = tf.customGrad((...args: (tfjs.Tensor | tfjs.GradSaveFunc)[]) => {
    const x = args[0] as tfjs.Tensor;
    const save = args[1] as tfjs.GradSaveFunc;
    const y = tf.relu(x);
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tfjs.Tensor, saved: tfjs.Tensor[]) => ops.reluGrad(dy, saved[0]!),
    };
  });
  target.call = (inputs, kwargs) => {
    if (kwargs['training'] !== true) return original(inputs, kwargs);
    return relu((Array.isArray(inputs) ? inputs[0] : inputs)!);
  };
}
