/**
 * `segstudio train`'s input size: the dataset-derived default when `--size` is absent, and the
 * warning when the size used distorts the images' aspect ratio by more than 10%.
 */
import type { InputSize } from '../../shared/training/config';
import { aspectWarning } from '../../shared/training/input-size';
import { openDataset } from '../dataset';
import { splitImageSize } from '../training/dataset-size';
import type { DatasetRef } from '../training/run-folder';
import type { Output } from './framework';

/**
 * The typical image size of the run's train split, read from image headers; null when the
 * dataset cannot be opened here (the worker then reports why, naming the file).
 */
export async function trainImageSize(ref: DatasetRef, split: string): Promise<InputSize | null> {
  try {
    const index = await openDataset(ref.root, ref.descriptor ? { descriptor: ref.descriptor } : {});
    return splitImageSize(index, split);
  } catch {
    return null;
  }
}

/** Says which size the run trains at and why, and warns when it distorts the images. */
export function reportInputSize(
  out: Output,
  size: InputSize,
  imageSize: InputSize | null,
  /** The option that chose the size (`--size`, `--config`), or null for the dataset's default. */
  chosenBy: string | null,
): void {
  const from = imageSize ? ` for the dataset's ${imageSize.width}x${imageSize.height} images` : '';
  out.info(`input size ${size.width}x${size.height}${chosenBy ? ` (${chosenBy})` : ''}${from}`);
  const warning = imageSize && aspectWarning(imageSize, size);
  if (warning) out.warn(warning);
}
