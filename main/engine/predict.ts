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
import { getTf } from '../native/backend';
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

/** Predicted training index per pixel for an RGB image, at the image's own size. */
export async function predictLabelMap(
  model: tfjs.LayersModel,
  manifest: PredictionManifest,
  image: { width: number; height: number; data: Uint8Array },
): Promise<LabelMap> {
  const tf = getTf();
  const size = modelInputSize(model);
  const resized = await resizeRgb(image.data, image.width, image.height, size);
  const sample = { id: 'predict', ...size, image: resized, label: new Uint8Array() };
  const numClasses = manifest.classes.length;
  const upsampleLogits = image.width * image.height * numClasses <= MAX_UPSAMPLED_LOGITS;
  const data = tf.tidy(() => {
    const logits = model.predict(
      inputBatch(tf, [sample], size, manifest.normalization),
    ) as tfjs.Tensor4D;
    const target =
      upsampleLogits && (image.height !== size.height || image.width !== size.width)
        ? tf.image.resizeBilinear(logits, [image.height, image.width], false, true)
        : logits;
    return tf.argMax(target, -1).dataSync();
  });
  const label = Uint8Array.from(data);
  if (upsampleLogits || (image.width === size.width && image.height === size.height)) {
    return { width: image.width, height: image.height, label };
  }
  return {
    width: image.width,
    height: image.height,
    label: resizeNearest(label, size.width, size.height, image.width, image.height),
  };
}

/** PNG of a label map in the dataset's own encoding (index, palette, or RGB colours / red id). */
async function encodeDatasetMask(map: LabelMap, manifest: PredictionManifest): Promise<Buffer> {
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

export interface PredictionFiles {
  readonly image: string;
  readonly mask: string;
  readonly overlay: string;
  readonly width: number;
  readonly height: number;
  /** Pixel count per training index. */
  readonly classPixels: number[];
}

function uniqueStem(file: string, used: Set<string>): string {
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
  options.onProgress?.(0, images.length);
  for (const file of images) {
    const image = await decodeRgb(file).catch((err: Error) => {
      throw new Error(`${file}: cannot read the image (${err.message})`);
    });
    const map = await predictLabelMap(model, manifest, image);
    const stem = uniqueStem(file, used);
    const mask = path.join(outDir, 'masks', `${stem}.png`);
    const overlay = path.join(outDir, 'overlays', `${stem}.png`);
    await writeFileAtomic(mask, await encodeDatasetMask(map, manifest));
    const blended = overlayRgb(image.data, map, manifest, options.alpha);
    await writeFileAtomic(
      overlay,
      await sharp(blended, { raw: { width: map.width, height: map.height, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const classPixels = new Array<number>(manifest.classes.length).fill(0);
    for (const l of map.label) classPixels[l]! += 1;
    results.push({ image: file, mask, overlay, width: map.width, height: map.height, classPixels });
    options.onProgress?.(results.length, images.length);
  }
  return results;
}
