/**
 * Direct access to libtensorflow kernels through tfjs-node's binding, for the few fused ops the
 * training step needs and tfjs does not expose (FusedBatchNormV3 and its gradient, ReluGrad,
 * ScaleAndTranslate and its gradient, oneDNN's softmax).
 * Each call is one JS -> C transition instead of the chain
 * of small tfjs ops these are otherwise built from.
 *
 * `nativeOps(tf)` returns null on the pure-JS backend (and with SEGSTUDIO_NATIVE_KERNELS=0, to
 * measure or rule out these kernels); callers then use their tfjs fallback.
 * The tensors returned are ordinary tfjs tensors owned by the engine (tidy disposes them), but
 * no gradient is recorded for them: wrap every use in `tf.customGrad`.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../../native/backend';

interface OpAttr {
  readonly name: string;
  readonly type: number;
  readonly value: unknown;
}

interface Binding {
  readonly TF_ATTR_BOOL: number;
  readonly TF_ATTR_FLOAT: number;
  readonly TF_ATTR_STRING: number;
  readonly TF_ATTR_TYPE: number;
  readonly TF_FLOAT: number;
  readonly TF_INT32: number;
}

interface NodeBackend {
  readonly binding: Binding;
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tfjs.Tensor[]): tfjs.Tensor;
  executeMultipleOutputs(
    name: string,
    attrs: OpAttr[],
    inputs: tfjs.Tensor[],
    numOutputs: number,
  ): tfjs.Tensor[];
}

/** Outputs of a training-mode FusedBatchNormV3 (reserve spaces are opaque: pass them on). */
export interface BatchNormForward {
  readonly y: tfjs.Tensor4D;
  readonly mean: tfjs.Tensor1D;
  /** Batch variance with Bessel's correction (n / (n - 1)), as TensorFlow reports it. */
  readonly unbiasedVariance: tfjs.Tensor1D;
  readonly reserve: readonly tfjs.Tensor[];
}

export interface NativeOps {
  batchNormTrain(
    x: tfjs.Tensor4D,
    scale: tfjs.Tensor1D,
    offset: tfjs.Tensor1D,
    epsilon: number,
  ): BatchNormForward;
  /** dx, dscale, doffset. */
  batchNormGrad(
    dy: tfjs.Tensor4D,
    x: tfjs.Tensor4D,
    scale: tfjs.Tensor1D,
    reserve: readonly tfjs.Tensor[],
    epsilon: number,
  ): [tfjs.Tensor4D, tfjs.Tensor1D, tfjs.Tensor1D];
  /** dy where the ReLU output (or input) is > 0, else 0. */
  reluGrad(dy: tfjs.Tensor, features: tfjs.Tensor): tfjs.Tensor;
  /**
   * Bilinear resampling of `x` to `size`: output pixel centre y + 0.5 samples the input at
   * (y + 0.5 - translation) / scale (pixel-centre coordinates), edges clamped. One kernel for
   * any scale and offset (TensorFlow's ScaleAndTranslate, triangle kernel, no antialiasing).
   */
  scaleAndTranslate(
    x: tfjs.Tensor4D,
    size: readonly [number, number],
    scale: readonly [number, number],
    translation: readonly [number, number],
  ): tfjs.Tensor4D;
  /** The gradient of `scaleAndTranslate` with respect to `x` (same scale and translation). */
  scaleAndTranslateGrad(
    dy: tfjs.Tensor4D,
    x: tfjs.Tensor4D,
    scale: readonly [number, number],
    translation: readonly [number, number],
  ): tfjs.Tensor4D;
  /**
   * Softmax over the last axis of a [rows, classes] matrix, by oneDNN's kernel (`_MklSoftmax`)
   * where libtensorflow has it, else TensorFlow's own Softmax. Same values to float rounding;
   * at 9.2 M rows x 101 classes 0.10 s against 0.25 s (bench/RESULTS.md).
   */
  softmax(x: tfjs.Tensor2D): tfjs.Tensor2D;
}

const cache = new WeakMap<object, NativeOps | null>();

export function nativeOps(tf: Tf): NativeOps | null {
  if (tf.getBackend() !== 'tensorflow' || process.env['SEGSTUDIO_NATIVE_KERNELS'] === '0') {
    return null;
  }
  const backend = tf.backend() as unknown as NodeBackend;
  const hit = cache.get(backend);
  if (hit !== undefined) return hit;
  const ops = makeOps(tf, backend);
  cache.set(backend, ops);
  return ops;
}

function makeOps(tf: Tf, backend: NodeBackend): NativeOps {
  const b = backend.binding;
  const float: OpAttr = { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT };
  const floatU: OpAttr = { name: 'U', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT };
  const nhwc: OpAttr = { name: 'data_format', type: b.TF_ATTR_STRING, value: 'NHWC' };
  const training: OpAttr = { name: 'is_training', type: b.TF_ATTR_BOOL, value: true };
  const eps = (value: number): OpAttr => ({ name: 'epsilon', type: b.TF_ATTR_FLOAT, value });
  const resample: OpAttr[] = [
    float,
    { name: 'kernel_type', type: b.TF_ATTR_STRING, value: 'triangle' },
    { name: 'antialias', type: b.TF_ATTR_BOOL, value: false },
  ];
  // oneDNN's softmax is an internal op of oneDNN builds, reached under its name-change label;
  // a build without it (or an input it refuses) fails once and TensorFlow's Softmax is used.
  const mklSoftmax: OpAttr[] = [
    float,
    { name: '_kernel', type: b.TF_ATTR_STRING, value: 'MklNameChangeOp' },
  ];
  let mklSoftmaxWorks = true;
  // Training mode with exponential_avg_factor 1 ignores the population inputs: pass empty ones.
  let empty: tfjs.Tensor1D | null = null;
  const emptyStats = (): tfjs.Tensor1D => {
    if (!empty || empty.isDisposed) empty = tf.keep(tf.tensor1d([], 'float32'));
    return empty;
  };
  return {
    batchNormTrain(x, scale, offset, epsilon) {
      const avg: OpAttr = { name: 'exponential_avg_factor', type: b.TF_ATTR_FLOAT, value: 1 };
      const out = backend.executeMultipleOutputs(
        'FusedBatchNormV3',
        [float, floatU, eps(epsilon), avg, nhwc, training],
        [x, scale, offset, emptyStats(), emptyStats()],
        6,
      );
      return {
        y: out[0] as tfjs.Tensor4D,
        mean: out[1] as tfjs.Tensor1D,
        unbiasedVariance: out[2] as tfjs.Tensor1D,
        reserve: out.slice(3),
      };
    },
    batchNormGrad(dy, x, scale, reserve, epsilon) {
      const out = backend.executeMultipleOutputs(
        'FusedBatchNormGradV3',
        [float, floatU, eps(epsilon), nhwc, training],
        [dy, x, scale, ...reserve],
        5,
      );
      tf.dispose(out.slice(3));
      return [out[0] as tfjs.Tensor4D, out[1] as tfjs.Tensor1D, out[2] as tfjs.Tensor1D];
    },
    reluGrad(dy, features) {
      return backend.executeSingleOutput('ReluGrad', [float], [dy, features]);
    },
    scaleAndTranslate(x, size, scale, translation) {
      return tf.tidy(() =>
        backend.executeSingleOutput('ScaleAndTranslate', resample, [
          x,
          tf.tensor1d([...size], 'int32'),
          tf.tensor1d([...scale], 'float32'),
          tf.tensor1d([...translation], 'float32'),
        ]),
      ) as tfjs.Tensor4D;
    },
    scaleAndTranslateGrad(dy, x, scale, translation) {
      return tf.tidy(() =>
        backend.executeSingleOutput('ScaleAndTranslateGrad', resample, [
          dy,
          x,
          tf.tensor1d([...scale], 'float32'),
          tf.tensor1d([...translation], 'float32'),
        ]),
      ) as tfjs.Tensor4D;
    },
    softmax(x) {
      if (mklSoftmaxWorks) {
        try {
          return backend.executeSingleOutput('_MklSoftmax', mklSoftmax, [x]) as tfjs.Tensor2D;
        } catch {
          mklSoftmaxWorks = false;
        }
      }
      return tf.softmax(x);
    },
  };
}
