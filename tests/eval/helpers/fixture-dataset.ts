import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type * as tfjs from '@tensorflow/tfjs';
import {
  IGNORE_LABEL,
  type DecodedSample,
  type LoadOptions,
  type SampleSource,
  type SourceClass,
} from '../../../main/dataset/source';
import type { Tf } from '../../../main/native/backend';

/**
 * A small real dataset on disk (PNG images + index PNG annotations with dataset ids) and a
 * SampleSource over it that decodes with sharp exactly as the contract says: image bilinear,
 * label nearest. Stands in for helper-2's openDataset in tests of the evaluation engine.
 */
export const FIXTURE_CLASSES: readonly SourceClass[] = [
  { index: 0, datasetId: 0, name: 'sky', color: [128, 128, 128] },
  { index: 1, datasetId: 3, name: 'road', color: [128, 64, 128] },
  { index: 2, datasetId: 7, name: 'car', color: [64, 0, 128] },
];
export const FIXTURE_VOID_ID = 11;

export interface FixtureDataset {
  readonly root: string;
  readonly source: SampleSource;
  readonly imagePaths: readonly string[];
  readonly labelPaths: readonly string[];
}

/** Class id per pixel: horizontal bands sky / road / car with a void border column. */
function labelIds(width: number, height: number, seed: number): Uint8Array {
  const ids = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const band = Math.floor(((y + seed) * 3) / height) % 3;
      ids[y * width + x] = x === 0 ? FIXTURE_VOID_ID : FIXTURE_CLASSES[band]!.datasetId;
    }
  }
  return ids;
}

function imageFor(ids: Uint8Array, seed: number): Uint8Array {
  const rgb = new Uint8Array(ids.length * 3);
  ids.forEach((id, i) => {
    const cls = FIXTURE_CLASSES.find((c) => c.datasetId === id);
    const base = cls?.color ?? [0, 0, 0];
    for (let ch = 0; ch < 3; ch++) rgb[i * 3 + ch] = (base[ch]! + ((i * 7 + seed * 13) % 23)) & 255;
  });
  return rgb;
}

class FixtureSource implements SampleSource {
  readonly classes = FIXTURE_CLASSES;
  constructor(
    readonly split: string,
    private readonly images: readonly string[],
    private readonly labels: readonly string[],
  ) {}

  get count(): number {
    return this.images.length;
  }

  sampleId(index: number): string {
    return path.basename(this.images[index]!, '.png');
  }

  imagePath(index: number): string {
    return this.images[index]!;
  }

  async load(index: number, options?: LoadOptions): Promise<DecodedSample> {
    const size = options?.resize;
    let img = sharp(this.images[index]!).removeAlpha();
    let lab = sharp(this.labels[index]!).extractChannel(0);
    if (size) {
      img = img.resize(size.width, size.height, { fit: 'fill', kernel: 'linear' });
      lab = lab.resize(size.width, size.height, { fit: 'fill', kernel: 'nearest' });
    }
    const [image, label] = await Promise.all([
      img.raw().toBuffer({ resolveWithObject: true }),
      lab.raw().toBuffer({ resolveWithObject: true }),
    ]);
    const training = new Uint8Array(label.data.length);
    label.data.forEach((id, i) => {
      training[i] = this.classes.find((c) => c.datasetId === id)?.index ?? IGNORE_LABEL;
    });
    return {
      id: this.sampleId(index),
      width: image.info.width,
      height: image.info.height,
      image: new Uint8Array(image.data),
      label: training,
    };
  }
}

export async function createFixtureDataset(
  root: string,
  opts: { count: number; width: number; height: number; split?: string },
): Promise<FixtureDataset> {
  const split = opts.split ?? 'val';
  await mkdir(path.join(root, split), { recursive: true });
  await mkdir(path.join(root, `${split}annot`), { recursive: true });
  const imagePaths: string[] = [];
  const labelPaths: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    const ids = labelIds(opts.width, opts.height, i);
    const name = `sample_${String(i).padStart(3, '0')}.png`;
    const imagePath = path.join(root, split, name);
    const labelPath = path.join(root, `${split}annot`, name);
    const raw = { width: opts.width, height: opts.height };
    await sharp(imageFor(ids, i), { raw: { ...raw, channels: 3 } })
      .png()
      .toFile(imagePath);
    await sharp(ids, { raw: { ...raw, channels: 1 } })
      .png()
      .toFile(labelPath);
    imagePaths.push(imagePath);
    labelPaths.push(labelPath);
  }
  return { root, source: new FixtureSource(split, imagePaths, labelPaths), imagePaths, labelPaths };
}

/** A tiny real segmentation model: two convs to logits [B, H, W, classes], seeded weights. */
export function tinySegModel(
  tf: Tf,
  opts: { width: number; height: number; numClasses: number; seed?: number },
): tfjs.LayersModel {
  const input = tf.input({ shape: [opts.height, opts.width, 3], name: 'input' });
  const hidden = tf.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'hidden',
      kernelInitializer: tf.initializers.glorotUniform({ seed: opts.seed ?? 1 }),
    })
    .apply(input) as tfjs.SymbolicTensor;
  const logits = tf.layers
    .conv2d({
      filters: opts.numClasses,
      kernelSize: 1,
      name: 'logits',
      kernelInitializer: tf.initializers.glorotUniform({ seed: (opts.seed ?? 1) + 1 }),
      biasInitializer: 'zeros',
    })
    .apply(hidden) as tfjs.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'tiny_seg' });
}
