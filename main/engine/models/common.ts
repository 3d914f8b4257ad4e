/**
 * What every preset's network shares: resize layers that save in the plain Layers format,
 * seeded name-keyed weight initialisation, and reading weights out by their stable names.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../../native/backend';
import type { NamedArray } from '../optimizer';
import { Rng } from '../rng';
import { installFastUpsampleCrop, installFastUpsampleGrad } from './fast-resize';

export type SymbolicTensor = tfjs.SymbolicTensor;
export type LayersModel = tfjs.LayersModel;

/**
 * `he`: He-uniform kernels (Glorot for the classifier), the from-scratch default.
 * `torch-default`: PyTorch's Conv2d default init, for presets that mirror a PyTorch model.
 */
export type WeightInitScheme = 'he' | 'torch-default';

export function spatialShape(x: SymbolicTensor): [number, number] {
  const [, h, w] = x.shape;
  if (typeof h !== 'number' || typeof w !== 'number') {
    throw new Error(`expected a static spatial shape, got ${JSON.stringify(x.shape)}`);
  }
  return [h, w];
}

/**
 * The 1x1 conv from the last features to one logit map per class. Its kernel starts at zero
 * only as a placeholder: the preset's initialiser fills every weight by name.
 */
export function classifierConv(
  tf: Tf,
  x: SymbolicTensor,
  numClasses: number,
  name: string,
): SymbolicTensor {
  return tf.layers
    .conv2d({
      filters: numClasses,
      kernelSize: 1,
      padding: 'valid',
      kernelInitializer: 'zeros',
      name,
    })
    .apply(x) as SymbolicTensor;
}

/**
 * Bilinear resize of a feature map to exactly (height, width) with standard Layers only (so the
 * model saves and loads in the Layers format without custom classes): UpSampling2D by the
 * ceiling factor, then a centred Cropping2D for any excess.
 */
export function resizeTo(
  tf: Tf,
  x: SymbolicTensor,
  height: number,
  width: number,
  name: string,
): SymbolicTensor {
  const [h, w] = spatialShape(x);
  if (h === height && w === width) return x;
  if (h > height || w > width) throw new Error(`resizeTo(${name}): cannot shrink ${h}x${w}`);
  const fy = Math.ceil(height / h);
  const fx = Math.ceil(width / w);
  const up = tf.layers.upSampling2d({
    size: [fy, fx],
    interpolation: 'bilinear',
    name: `${name}_up`,
  });
  // Same forward; the gradient on both cores (fast-resize.ts).
  installFastUpsampleGrad(tf, up);
  let y = up.apply(x) as SymbolicTensor;
  const ey = h * fy - height;
  const ex = w * fx - width;
  if (ey > 0 || ex > 0) {
    const top = Math.floor(ey / 2);
    const left = Math.floor(ex / 2);
    y = tf.layers
      .cropping2D({
        cropping: [
          [top, ey - top],
          [left, ex - left],
        ],
        name: `${name}_crop`,
      })
      .apply(y) as SymbolicTensor;
  }
  return y;
}

/**
 * Every weight of `model` (BatchNorm moving statistics included) by its stable name
 * (`LayerVariable.originalName`), copied out of the tensors: the caller may dispose the model.
 */
export function namedWeights(model: LayersModel): NamedArray[] {
  return model.weights.map((w) => ({
    name: w.originalName,
    shape: staticShape(w.shape, w.originalName),
    data: new Float32Array(w.read().dataSync() as Float32Array),
  }));
}

/**
 * Overwrites the variables of `byName` from `weights` by name. With `partial`, names absent
 * from `weights` are left alone; unknown names and shape mismatches are always an error.
 */
export function writeNamedWeights(
  tf: Tf,
  byName: ReadonlyMap<string, tfjs.LayerVariable>,
  weights: readonly NamedArray[],
  partial: boolean,
): void {
  const given = new Map(weights.map((w) => [w.name, w]));
  for (const name of given.keys()) {
    if (!byName.has(name)) throw new Error(`unknown weight ${name} for this model`);
  }
  for (const [name, variable] of byName) {
    const w = given.get(name);
    if (!w) {
      if (partial) continue;
      throw new Error(`weights are missing ${name}`);
    }
    if (w.shape.join('x') !== variable.shape.join('x')) {
      throw new Error(
        `weight ${name} has shape ${w.shape.join('x')}, model expects ${variable.shape.join('x')}`,
      );
    }
    const t = tf.tensor(w.data, [...w.shape], 'float32');
    variable.write(t);
    t.dispose();
  }
}

/** A weight's shape with every dimension known. */
function staticShape(shape: readonly (number | null)[], name: string): number[] {
  return shape.map((d) => {
    if (typeof d !== 'number') throw new Error(`weight ${name} has an unknown dimension`);
    return d;
  });
}

/**
 * Bilinear resize to (height, width) with PyTorch `F.interpolate(mode='bilinear',
 * align_corners=False)` (half-pixel centres) semantics, from standard Layers only.
 *
 * tfjs' UpSampling2D samples at y / f (top-left aligned), which shifts the output by
 * (f - 1) / 2 pixels: ~20 px for AlexNet's x40. Here the map is first replicate-padded by one
 * row/column at the top/left (Cropping2D + Concatenate), upsampled by f and cropped by
 * (f + 1) / 2, which gives exactly in[(y + 0.5) / f - 0.5] (edge-clamped) for odd f and is
 * within half an output pixel for even f. Used where imported PyTorch weights must predict
 * the same maps (seed-alexnet-fcn).
 */
export function resizeHalfPixel(
  tf: Tf,
  x: SymbolicTensor,
  height: number,
  width: number,
  name: string,
): SymbolicTensor {
  const [h, w] = spatialShape(x);
  if (h === height && w === width) return x;
  if (h > height || w > width) throw new Error(`resizeHalfPixel(${name}): cannot shrink`);
  const firstRow = tf.layers
    .cropping2D({
      cropping: [
        [0, h - 1],
        [0, 0],
      ],
      name: `${name}_row0`,
    })
    .apply(x) as SymbolicTensor;
  let y = tf.layers
    .concatenate({ axis: 1, name: `${name}_padtop` })
    .apply([firstRow, x]) as SymbolicTensor;
  const firstCol = tf.layers
    .cropping2D({
      cropping: [
        [0, 0],
        [0, w - 1],
      ],
      name: `${name}_col0`,
    })
    .apply(y) as SymbolicTensor;
  y = tf.layers
    .concatenate({ axis: 2, name: `${name}_padleft` })
    .apply([firstCol, y]) as SymbolicTensor;
  const fy = Math.ceil(height / h);
  const fx = Math.ceil(width / w);
  const up = tf.layers.upSampling2d({
    size: [fy, fx],
    interpolation: 'bilinear',
    name: `${name}_up`,
  });
  const top = Math.floor((fy + 1) / 2);
  const left = Math.floor((fx + 1) / 2);
  const crop = tf.layers.cropping2D({
    cropping: [
      [top, (h + 1) * fy - top - height],
      [left, (w + 1) * fx - left - width],
    ],
    name: `${name}_crop`,
  });
  // The upsample + crop run as one native kernel with the same result (fast-resize.ts).
  installFastUpsampleCrop(tf, up, crop, {
    factor: [fy, fx],
    offset: [top, left],
    size: [height, width],
  });
  return crop.apply(up.apply(y)) as SymbolicTensor;
}

function fanIn(shape: readonly number[], kind: 'kernel' | 'depthwise_kernel'): number {
  // Conv kernels are [kh, kw, in, out]; depthwise kernels [kh, kw, in, multiplier].
  const [kh = 1, kw = 1, cin = 1] = shape;
  return kind === 'depthwise_kernel' ? kh * kw : kh * kw * cin;
}

/** Layers producing logits (no ReLU after them). */
const CLASSIFIER_LAYERS = new Set(['classifier', 'conv_to101']);

/**
 * Deterministic, process-independent initialisation of every weight from the config seed:
 * kernels He-uniform from a stream keyed by the weight's stable name; biases / beta / moving
 * mean 0; gamma / moving variance 1. Does not use tfjs' random ops or name counters.
 */
export function initializeWeights(
  tf: Tf,
  model: LayersModel,
  seed: number,
  scheme: WeightInitScheme = 'he',
): void {
  for (const v of model.weights) {
    const name = v.originalName;
    const shape = staticShape(v.shape, name);
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const leaf = name.slice(name.lastIndexOf('/') + 1);
    if (scheme === 'torch-default' && (leaf === 'kernel' || leaf === 'bias')) {
      // PyTorch's Conv2d default (kaiming_uniform with a = sqrt(5)): U(-1/sqrt(fanIn), ...)
      // for weights and biases alike, fanIn taken from the layer's kernel.
      const layerName = name.slice(0, name.lastIndexOf('/'));
      const kernel = model.weights.find((w) => w.originalName === `${layerName}/kernel`);
      const kshape = staticShape(kernel?.shape ?? shape, name);
      const limit = 1 / Math.sqrt(fanIn(kshape, 'kernel'));
      const rng = Rng.derive(seed, 'init', name);
      for (let i = 0; i < size; i++) data[i] = rng.uniform(-limit, limit);
    } else if (leaf === 'kernel' || leaf === 'depthwise_kernel') {
      // He-uniform for ReLU layers; Glorot-uniform for the (linear) classifier so that the
      // initial logits, and the initial loss, stay moderate.
      const fanOut = shape[shape.length - 1] ?? 1;
      const limit = CLASSIFIER_LAYERS.has(name.slice(0, name.lastIndexOf('/')))
        ? Math.sqrt(6 / (fanIn(shape, leaf) + fanOut))
        : Math.sqrt(6 / fanIn(shape, leaf));
      const rng = Rng.derive(seed, 'init', name);
      for (let i = 0; i < size; i++) data[i] = rng.uniform(-limit, limit);
    } else if (leaf === 'gamma' || leaf === 'moving_variance') {
      data.fill(1);
    }
    const t = tf.tensor(data, shape, 'float32');
    v.write(t);
    t.dispose();
  }
}
