/**
 * Inference on image files: a label map per image at the image's own size, written as a mask in
 * the dataset's own encoding (so it can be dropped next to the annotations) and as a colour
 * overlay for people. The manifest (segstudio.json) supplies classes, ids and encoding.
 */
import path from 'node:path';
import sharp from 'sharp';
import type * as tfjs from '@tensorflow/tfjs';
import { decodeRgb } from '../dataset/decode';
import { resizeNearest } from '../dataset/sample-source';
import { writeFileAtomic } from '../fs/atomic';
import { getTf, type Tf } from '../native/backend';
import { MAX_UPSAMPLED_LOGITS, modelInputSize } from './evaluate';
import { inputBatch, resizeRgb } from './predict-input';
import type { ModelManifest } from './export-manifest';
import { encodeIndexedPng } from './predict-png';

export type PredictionManifest = Pick<
  ModelManifest,
  'classes' | 'maskEncoding' | 'rgbMapping' | 'normalization'
>;

export interface LabelMap {
  readonly width: number;
  readonly height: number;
  /** Training index per pixel. */
  readonly label: Uint8Array;
}

/** An RGB image as decoded from its file. */
type RgbImage = { width: number; height: number; data: Uint8Array };

/** Images predicted per model call: the conv layers run a batch faster than one at a time. */
export const PREDICT_BATCH = 8;

/**
 * Image `k` of a batch of logits as a label map at the image's own size: the logits upsampled
 * (bilinear) when that fits MAX_UPSAMPLED_LOGITS, else the model-size argmax (nearest).
 */
function labelMapAt(
  tf: Tf,
  logits: tfjs.Tensor4D,
  k: number,
  image: { width: number; height: number },
  numClasses: number,
): LabelMap {
  const [, h, w] = logits.shape;
  const sameSize = image.width === w && image.height === h;
  const upsampleLogits = image.width * image.height * numClasses <= MAX_UPSAMPLED_LOGITS;
  const data = tf.tidy(() => {
    const one = tf.slice(logits, [k, 0, 0, 0], [1, -1, -1, -1]);
    const target =
      upsampleLogits && !sameSize
        ? tf.image.resizeBilinear(one, [image.height, image.width], false, true)
        : one;
    return tf.argMax(target, -1).dataSync();
  });
  const label = Uint8Array.from(data);
  if (upsampleLogits || sameSize) return { width: image.width, height: image.height, label };
  return {
    width: image.width,
    height: image.height,
    label: resizeNearest(label, w, h, image.width, image.height),
  };
}

/** Label maps of images already decoded, in one model call (one batch). */
async function predictBatch(
  model: tfjs.LayersModel,
  manifest: PredictionManifest,
  images: readonly RgbImage[],
): Promise<LabelMap[]> {
  const tf = getTf();
  const size = modelInputSize(model);
  const samples = await Promise.all(
    images.map(async (image, k) => ({
      id: `predict-${k}`,
      ...size,
      image: await resizeRgb(image.data, image.width, image.height, size),
      label: new Uint8Array(),
    })),
  );
  const logits = tf.tidy(
    () => model.predict(inputBatch(tf, samples, size, manifest.normalization)) as tfjs.Tensor4D,
  );
  try {
    return images.map((image, k) => labelMapAt(tf, logits, k, image, manifest.classes.length));
  } finally {
    logits.dispose();
  }
}

/** Predicted training index per pixel for an RGB image, at the image's own size. */
export async function predictLabelMap(
  model: tfjs.LayersModel,
  manifest: PredictionManifest,
  image: RgbImage,
): Promise<LabelMap> {
  const [map] = await predictBatch(model, manifest, [image]);
  return map!;
}

/** One predicted image file: what was read and what the model made of it. */
export interface PredictedImage {
  readonly file: string;
  readonly image: RgbImage;
  readonly map: LabelMap;
}

async function decodeFile(file: string): Promise<RgbImage> {
  return decodeRgb(file).catch((err: Error) => {
    throw new Error(`${file}: cannot read the image (${err.message})`);
  });
}

/**
 * Predicts `files` in order, PREDICT_BATCH images per model call, decoding the next batch while
 * the model runs on the current one; `onImage` is awaited for each image in file order, and
 * `onProgress` follows it. Nothing is written here: the caller keeps what it needs.
 */
export async function forEachPrediction(
  model: tfjs.LayersModel,
  manifest: PredictionManifest,
  files: readonly string[],
  onImage: (predicted: PredictedImage) => Promise<void>,
  options: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<void> {
  const batchSize = Math.max(1, options.batchSize ?? PREDICT_BATCH);
  const batches: string[][] = [];
  for (let at = 0; at < files.length; at += batchSize) {
    batches.push(files.slice(at, at + batchSize));
  }
  const decode = (batch: readonly string[]) => Promise.all(batch.map(decodeFile));
  let done = 0;
  options.onProgress?.(0, files.length);
  let pending = batches[0] ? decode(batches[0]) : undefined;
  for (let b = 0; b < batches.length; b++) {
    const images = await pending!;
    const next = batches[b + 1];
    pending = next ? decode(next) : undefined;
    // A failing prefetch surfaces when its batch is awaited, not as an unhandled rejection.
    pending?.catch(() => undefined);
    const maps = await predictBatch(model, manifest, images);
    for (let k = 0; k < images.length; k++) {
      await onImage({ file: batches[b]![k]!, image: images[k]!, map: maps[k]! });
      options.onProgress?.(++done, files.length);
    }
  }
}

/** PNG of a label map in the dataset's own encoding (index, palette, or RGB colours / red id). */
export async function encodeDatasetMask(
  map: LabelMap,
  manifest: PredictionManifest,
): Promise<Buffer> {
  const { classes } = manifest;
  const n = map.label.length;
  if (manifest.maskEncoding === 'rgb') {
    const redId = manifest.rgbMapping === 'red-id';
    const rgb = new Uint8Array(n * 3);
    for (let p = 0; p < n; p++) {
      const c = classes[map.label[p]!]!;
      if (redId) rgb[p * 3] = c.id;
      else rgb.set(c.color, p * 3);
    }
    return sharp(rgb, { raw: { width: map.width, height: map.height, channels: 3 } })
      .png()
      .toBuffer();
  }
  for (const c of classes) {
    if (c.id < 0 || c.id > 255) {
      throw new Error(
        `class "${c.name}" has id ${c.id}, which an 8-bit ${manifest.maskEncoding} mask cannot store`,
      );
    }
  }
  const ids = new Uint8Array(n);
  for (let p = 0; p < n; p++) ids[p] = classes[map.label[p]!]!.id;
  let palette: Uint8Array | null = null;
  if (manifest.maskEncoding === 'palette') {
    const maxId = Math.max(...classes.map((c) => c.id));
    palette = new Uint8Array((maxId + 1) * 3);
    for (const c of classes) palette.set(c.color, c.id * 3);
  }
  return encodeIndexedPng(map.width, map.height, ids, palette);
}

/** The image with class colours blended in (alpha = weight of the class colour). */
function overlayRgb(
  image: Uint8Array,
  map: LabelMap,
  manifest: PredictionManifest,
  alpha = 0.5,
): Uint8Array {
  const out = new Uint8Array(image.length);
  for (let p = 0; p < map.label.length; p++) {
    const color = manifest.classes[map.label[p]!]!.color;
    for (let ch = 0; ch < 3; ch++) {
      out[p * 3 + ch] = Math.round((1 - alpha) * image[p * 3 + ch]! + alpha * color[ch]!);
    }
  }
  return out;
}

/** PNG of the image with the predicted class colours blended in (see overlayRgb). */
export async function encodeOverlay(
  predicted: Pick<PredictedImage, 'image' | 'map'>,
  manifest: PredictionManifest,
  alpha?: number,
): Promise<Buffer> {
  const { image, map } = predicted;
  const blended = overlayRgb(image.data, map, manifest, alpha);
  return sharp(blended, { raw: { width: map.width, height: map.height, channels: 3 } })
    .png()
    .toBuffer();
}

export interface PredictionFiles {
  readonly image: string;
  readonly mask: string;
  readonly overlay: string;
  readonly width: number;
  readonly height: number;
  /** Pixel count per training index. */
  readonly classPixels: number[];
}

/** `STEM` of `file`, made unique among `used` (`STEM_2`, `STEM_3`, …) and added to it. */
export function uniqueStem(file: string, used: Set<string>): string {
  const stem = path.basename(file, path.extname(file));
  let name = stem;
  for (let k = 2; used.has(name); k++) name = `${stem}_${k}`;
  used.add(name);
  return name;
}

/**
 * Predicts each image and writes `OUT/masks/STEM.png` (dataset encoding) and
 * `OUT/overlays/STEM.png` (colour overlay), each atomically. Input files are only read.
 */
export async function predictFiles(
  model: tfjs.LayersModel,
  manifest: PredictionManifest,
  images: readonly string[],
  outDir: string,
  options: { alpha?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<PredictionFiles[]> {
  const results: PredictionFiles[] = [];
  const used = new Set<string>();
  await forEachPrediction(
    model,
    manifest,
    images,
    async (predicted) => {
      const { file, map } = predicted;
      const stem = uniqueStem(file, used);
      const mask = path.join(outDir, 'masks', `${stem}.png`);
      const overlay = path.join(outDir, 'overlays', `${stem}.png`);
      await writeFileAtomic(mask, await encodeDatasetMask(map, manifest));
      await writeFileAtomic(overlay, await encodeOverlay(predicted, manifest, options.alpha));
      const classPixels = new Array<number>(manifest.classes.length).fill(0);
      for (const l of map.label) classPixels[l]! += 1;
      results.push({
        image: file,
        mask,
        overlay,
        width: map.width,
        height: map.height,
        classPixels,
      });
    },
    options.onProgress ? { onProgress: options.onProgress } : {},
  );
  return results;
}
