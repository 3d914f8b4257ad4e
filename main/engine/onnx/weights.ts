/** Reading a Layers weight by its leaf name and moving it into ONNX's layout. */
import type * as tfjs from '@tensorflow/tfjs';

export interface WeightArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The weight `<layer>/<leaf>` (e.g. `kernel`, `moving_mean`), copied out; null if absent. */
export function layerWeight(layer: tfjs.layers.Layer, leaf: string): WeightArray | null {
  const found = layer.weights.find((w) => w.originalName.split('/').pop() === leaf);
  if (!found) return null;
  const shape = found.shape.map((d) => {
    if (typeof d !== 'number') throw new Error(`${found.originalName} has an unknown dimension`);
    return d;
  });
  return { shape, data: new Float32Array(found.read().dataSync() as Float32Array) };
}

/** Like `layerWeight`, but a missing weight is an error naming the layer. */
export function requireWeight(layer: tfjs.layers.Layer, leaf: string): WeightArray {
  const w = layerWeight(layer, leaf);
  if (!w) throw new Error(`layer ${layer.name} (${layer.getClassName()}) has no ${leaf} weight`);
  return w;
}

/**
 * A 4-D array with its axes permuted: output axis i is input axis `perm[i]` (as
 * `tf.transpose`). Conv kernels go from Layers' [kh, kw, in, out] to ONNX's [out, in, kh, kw]
 * with perm [3, 2, 0, 1].
 */
export function permute4d(
  w: WeightArray,
  perm: readonly [number, number, number, number],
): WeightArray {
  const [d0, d1, d2, d3] = w.shape as [number, number, number, number];
  const inStrides = [d1 * d2 * d3, d2 * d3, d3, 1];
  const shape = perm.map((p) => w.shape[p]!) as [number, number, number, number];
  const s = perm.map((p) => inStrides[p]!) as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  let o = 0;
  for (let a = 0; a < shape[0]; a++)
    for (let b = 0; b < shape[1]; b++)
      for (let c = 0; c < shape[2]; c++)
        for (let d = 0; d < shape[3]; d++)
          out[o++] = w.data[a * s[0] + b * s[1] + c * s[2] + d * s[3]]!;
  if (o !== d0 * d1 * d2 * d3) throw new Error('permute4d: size mismatch');
  return { shape, data: out };
}
