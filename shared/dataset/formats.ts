/**
 * The dataset-format vocabulary: the one set of names the CLI (`--format`), the contracts, the
 * saved descriptor, the engine's format registry (`main/dataset/formats/index.ts`) and the UI
 * use. A new format adds its name and display label here, one file in `main/dataset/formats/`
 * and one entry in that registry (a test checks every name here has a registered format).
 */
import { z } from 'zod';

export const DATASET_FORMATS = [
  'seed',
  'pair-list',
  'ade20k',
  'voc',
  'folder-pairs',
  'cvat-mask',
  'mmseg',
  'cityscapes',
] as const;
export const DatasetFormat = z.enum(DATASET_FORMATS);
export type DatasetFormat = z.infer<typeof DatasetFormat>;

/** What the format picker shows for each format. */
export const DATASET_FORMAT_LABELS: Readonly<Record<DatasetFormat, string>> = {
  seed: 'Seed layout (images/ + masks/ + labels)',
  'pair-list': 'Pair list (IMAGE ANNOTATION per line)',
  ade20k: 'ADE20K',
  voc: 'Pascal VOC',
  'folder-pairs': 'Folder pairs (same file names)',
  'cvat-mask': 'CVAT Segmentation mask 1.1 (labelmap.txt)',
  mmseg: 'MMSegmentation (img_dir/ + ann_dir/)',
  cityscapes: 'Cityscapes (leftImg8bit/ + gtFine/)',
};

/**
 * Names that project files saved before the vocabulary was unified carry (the engine used to
 * say `pairlist` and `folders`). Only reading a saved descriptor accepts them, so an old
 * project still opens; everything else takes the names above and nothing else.
 */
const SAVED_BEFORE_UNIFIED: Readonly<Record<string, DatasetFormat>> = {
  pairlist: 'pair-list',
  folders: 'folder-pairs',
};

/** The format field of a saved descriptor: the vocabulary, plus the names older files used. */
export const SavedDatasetFormat = z.preprocess(
  (value) => (typeof value === 'string' ? (SAVED_BEFORE_UNIFIED[value] ?? value) : value),
  DatasetFormat,
);

/** Why `name` is not a format, naming the accepted ones (and the new name of an old one). */
export function unknownFormatMessage(name: string): string {
  const renamed = SAVED_BEFORE_UNIFIED[name];
  return `must be one of ${DATASET_FORMATS.join(', ')}, got "${name}"${renamed ? ` (now called "${renamed}")` : ''}`;
}
