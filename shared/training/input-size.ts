/**
 * The default input size of a run, derived from its dataset: the images' own aspect ratio
 * within a pixel budget, in multiples the network needs, never larger than the images. Larger
 * images are scaled to cover this size and cropped by the augmentation (see
 * `AugmentationConfig.scale`), so nothing is squashed. Pure; used by the CLI (`train` without
 * `--size`) and by the Train form (its default and its distortion warning).
 */
import type { InputSize } from './config';

export interface InputSizeRule {
  /** Most pixels per training image (width * height) the preset is trained at by default. */
  readonly pixelBudget: number;
  /** Width and height are multiples of this (the network's downsampling needs). */
  readonly multiple: number;
}

/** Aspect distortion above this fraction gets a warning (Train form and CLI). */
export const ASPECT_WARNING_FRACTION = 0.1;

/** The size the dataset's images should be trained at under `rule`. */
export function datasetInputSize(image: InputSize, rule: InputSizeRule): InputSize {
  const scale = Math.min(1, Math.sqrt(rule.pixelBudget / (image.width * image.height)));
  const fit = (n: number): number =>
    Math.max(rule.multiple, Math.floor((n * scale) / rule.multiple) * rule.multiple);
  return { width: fit(image.width), height: fit(image.height) };
}

/**
 * How much training at `input` distorts images of size `image`: 0 when the aspect ratios
 * agree, 0.333 for 480x360 frames squashed into 240x240 (the larger ratio over the smaller,
 * minus one).
 */
export function aspectDistortion(image: InputSize, input: InputSize): number {
  const a = image.width / image.height;
  const b = input.width / input.height;
  return Math.max(a, b) / Math.min(a, b) - 1;
}

/** The warning for a distorting size, or null when it keeps the aspect within 10%. */
export function aspectWarning(image: InputSize, input: InputSize): string | null {
  const d = aspectDistortion(image, input);
  if (d <= ASPECT_WARNING_FRACTION) return null;
  return (
    `${input.width}x${input.height} distorts the dataset's ${image.width}x${image.height} images ` +
    `by ${Math.round(d * 100)}% (aspect ${(input.width / input.height).toFixed(2)} vs ` +
    `${(image.width / image.height).toFixed(2)}): thin objects are squashed; pick a size with ` +
    'the same aspect ratio'
  );
}

/**
 * The dataset's typical image size: the most common one (ties: the first seen), or null for
 * no images.
 */
export function typicalImageSize(sizes: Iterable<InputSize>): InputSize | null {
  const counts = new Map<string, { size: InputSize; n: number }>();
  let best: { size: InputSize; n: number } | null = null;
  for (const s of sizes) {
    const key = `${s.width}x${s.height}`;
    const entry = counts.get(key) ?? { size: { width: s.width, height: s.height }, n: 0 };
    entry.n += 1;
    counts.set(key, entry);
    if (!best || entry.n > best.n) best = entry;
  }
  return best?.size ?? null;
}
