/**
 * Data side of the engine: per-epoch sample order, augmentation parameters and the JS resampler
 * that turns decoded uint8 samples into a normalised float batch. Every random choice is a pure
 * function of (seed, epoch, position in epoch), so pausing, prefetching or resuming in another
 * process can never shift the data stream.
 */
import type { AugmentationConfig, NormalizationConfig } from '../../shared/training/config';
import { IGNORE_LABEL, type DecodedSample } from '../dataset/source';
import { Rng } from './rng';

export const RNG_SCHEME = 'sfc32-derive-v1';

/** Shuffled order of the sample indices for one epoch. */
export function epochOrder(seed: number, epoch: number, count: number): number[] {
  return Rng.derive(seed, 'order', epoch).permutation(count);
}

/** Sample indices of the batch at `stepInEpoch` (wraps around when count < batch). */
export function batchIndices(
  order: readonly number[],
  stepInEpoch: number,
  batchSize: number,
): { indices: number[]; positions: number[] } {
  const indices: number[] = [];
  const positions: number[] = [];
  for (let i = 0; i < batchSize; i++) {
    const pos = stepInEpoch * batchSize + i;
    positions.push(pos);
    indices.push(order[pos % order.length]!);
  }
  return { indices, positions };
}

export interface AugmentParams {
  /** Zoom relative to the input size (1 = the whole image resized to the input). */
  readonly scale: number;
  /** Crop / placement offset fractions in [0, 1). */
  readonly offsetX: number;
  readonly offsetY: number;
  readonly flip: boolean;
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
}

/** Augmentation parameters for the sample at (epoch, position): fixed draw order. */
export function drawAugment(
  seed: number,
  epoch: number,
  position: number,
  aug: AugmentationConfig,
): AugmentParams {
  const rng = Rng.derive(seed, 'aug', epoch, position);
  const [lo, hi] = aug.scale;
  // Log-uniform zoom, so 0.5..2 is symmetric around 1.
  const scale = lo === hi ? lo : Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
  const offsetX = rng.next();
  const offsetY = rng.next();
  const flip = rng.next() < 0.5 && aug.flip;
  const jitter = (x: number): number => {
    const u = rng.next();
    return x > 0 ? 1 - x + 2 * x * u : 1;
  };
  const brightness = jitter(aug.colorJitter.brightness);
  const contrast = jitter(aug.colorJitter.contrast);
  const saturation = jitter(aug.colorJitter.saturation);
  return { scale, offsetX, offsetY, flip, brightness, contrast, saturation };
}

/** Size at which to ask the source for the image before augmentation. */
export function loadSizeFor(
  input: { readonly width: number; readonly height: number },
  aug: AugmentationConfig,
): { width: number; height: number } {
  const zoom = Math.max(1, aug.scale[1]);
  return { width: Math.round(input.width * zoom), height: Math.round(input.height * zoom) };
}

export interface BatchArrays {
  /** Normalised RGB, NHWC float32. */
  readonly images: Float32Array;
  /** Class index per pixel; void pixels are mapped to 0 (their weight is 0). NHW int32. */
  readonly labels: Int32Array;
  /** Per-pixel loss weight: 0 for void, the class weight (or 1) otherwise. NHW float32. */
  readonly weights: Float32Array;
}

export function allocBatch(batch: number, width: number, height: number): BatchArrays {
  const px = batch * width * height;
  return {
    images: new Float32Array(px * 3),
    labels: new Int32Array(px),
    weights: new Float32Array(px),
  };
}

/**
 * Writes one augmented sample into slot `slot` of `out`. The decoded sample (any size) is
 * treated as the whole image at zoom 1 == the input size; at zoom s the image appears s times
 * larger and an input-sized window is cut at the drawn offset (zoom < 1 pads with void / the
 * mean colour). Image: bilinear; label: nearest.
 */
export function augmentInto(
  sample: DecodedSample,
  params: AugmentParams,
  size: { readonly width: number; readonly height: number },
  norm: NormalizationConfig,
  classWeights: readonly number[] | null,
  numClasses: number,
  out: BatchArrays,
  slot: number,
): void {
  const W = size.width;
  const H = size.height;
  const sw = sample.width;
  const sh = sample.height;
  const src = sample.image;
  const lab = sample.label;
  const zw = W * params.scale;
  const zh = H * params.scale;
  const ox = (zw - W) * params.offsetX;
  const oy = (zh - H) * params.offsetY;
  const kx = sw / zw;
  const ky = sh / zh;
  const { brightness: br, contrast: ct, saturation: sat } = params;
  const jitter = br !== 1 || ct !== 1 || sat !== 1;
  const [m0, m1, m2] = norm.mean;
  const [s0, s1, s2] = norm.std;
  const a0 = 1 / (255 * s0);
  const a1 = 1 / (255 * s1);
  const a2 = 1 / (255 * s2);
  const b0 = m0 / s0;
  const b1 = m1 / s1;
  const b2 = m2 / s2;
  const imgBase = slot * W * H * 3;
  const pxBase = slot * W * H;
  const images = out.images;
  const labels = out.labels;
  const weights = out.weights;
  const identity = sw === W && sh === H && params.scale === 1 && !params.flip;
  for (let y = 0; y < H; y++) {
    const fy = identity ? y : (y + oy + 0.5) * ky - 0.5;
    const y0 = Math.floor(fy);
    const wy = fy - y0;
    const ya = Math.min(Math.max(y0, 0), sh - 1);
    const yb = Math.min(Math.max(y0 + 1, 0), sh - 1);
    const ly = Math.round(fy);
    const rowInside = fy > -0.5 - 1e-9 && fy < sh - 0.5 + 1e-9;
    for (let x = 0; x < W; x++) {
      const xo = params.flip ? W - 1 - x : x;
      const fx = identity ? x : (xo + ox + 0.5) * kx - 0.5;
      const o = pxBase + y * W + x;
      const oi = imgBase + (y * W + x) * 3;
      const inside = rowInside && fx > -0.5 - 1e-9 && fx < sw - 0.5 + 1e-9;
      if (!inside) {
        images[oi] = 0;
        images[oi + 1] = 0;
        images[oi + 2] = 0;
        labels[o] = 0;
        weights[o] = 0;
        continue;
      }
      let r: number;
      let g: number;
      let b: number;
      if (identity) {
        const i = (y * sw + x) * 3;
        r = src[i]!;
        g = src[i + 1]!;
        b = src[i + 2]!;
      } else {
        const x0 = Math.floor(fx);
        const wx = fx - x0;
        const xa = Math.min(Math.max(x0, 0), sw - 1);
        const xb = Math.min(Math.max(x0 + 1, 0), sw - 1);
        const iaa = (ya * sw + xa) * 3;
        const iab = (ya * sw + xb) * 3;
        const iba = (yb * sw + xa) * 3;
        const ibb = (yb * sw + xb) * 3;
        const w00 = (1 - wy) * (1 - wx);
        const w01 = (1 - wy) * wx;
        const w10 = wy * (1 - wx);
        const w11 = wy * wx;
        r = src[iaa]! * w00 + src[iab]! * w01 + src[iba]! * w10 + src[ibb]! * w11;
        g = src[iaa + 1]! * w00 + src[iab + 1]! * w01 + src[iba + 1]! * w10 + src[ibb + 1]! * w11;
        b = src[iaa + 2]! * w00 + src[iab + 2]! * w01 + src[iba + 2]! * w10 + src[ibb + 2]! * w11;
      }
      if (jitter) {
        r *= br;
        g *= br;
        b *= br;
        r = (r - 127.5) * ct + 127.5;
        g = (g - 127.5) * ct + 127.5;
        b = (b - 127.5) * ct + 127.5;
        const gray = 0.299 * r + 0.587 * g + 0.114 * b;
        r = Math.min(255, Math.max(0, gray + (r - gray) * sat));
        g = Math.min(255, Math.max(0, gray + (g - gray) * sat));
        b = Math.min(255, Math.max(0, gray + (b - gray) * sat));
      }
      images[oi] = r * a0 - b0;
      images[oi + 1] = g * a1 - b1;
      images[oi + 2] = b * a2 - b2;
      const lx = Math.min(Math.max(Math.round(fx), 0), sw - 1);
      const lyc = Math.min(Math.max(ly, 0), sh - 1);
      const l = lab[lyc * sw + lx]!;
      if (l === IGNORE_LABEL || l >= numClasses) {
        labels[o] = 0;
        weights[o] = 0;
      } else {
        labels[o] = l;
        weights[o] = classWeights ? classWeights[l]! : 1;
      }
    }
  }
}

/** Normalised float32 HWC input for inference (image already at the model's input size). */
export function normalizeImage(image: Uint8Array, norm: NormalizationConfig): Float32Array {
  const out = new Float32Array(image.length);
  for (let i = 0; i < image.length; i += 3) {
    out[i] = (image[i]! / 255 - norm.mean[0]) / norm.std[0];
    out[i + 1] = (image[i + 1]! / 255 - norm.mean[1]) / norm.std[1];
    out[i + 2] = (image[i + 2]! / 255 - norm.mean[2]) / norm.std[2];
  }
  return out;
}
