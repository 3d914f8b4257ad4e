/**
 * The dataset descriptor: what Seg Studio knows about a dataset folder, saved in the project.
 * It only describes the user's files (they are never rewritten); editing class names or
 * colours changes this descriptor, nothing on disk.
 */
import { z } from 'zod';
import { SavedDatasetFormat } from './formats';

/**
 * How annotation pixels encode class ids: `index` = the grey value is the id; `palette` = the
 * palette index is the id (Pascal VOC); `rgb` = the colour is looked up in the labels' colours
 * (`rgbMapping: 'colors'`, I2DL) or the id sits in R with G = B = 0 (`'red-id'`, the seed).
 */
export const MaskEncoding = z.enum(['index', 'rgb', 'palette']);
export type MaskEncoding = z.infer<typeof MaskEncoding>;
export const RgbMapping = z.enum(['colors', 'red-id']);
export type RgbMapping = z.infer<typeof RgbMapping>;

const Channel = z.number().int().min(0).max(255);
export const RgbColor = z.tuple([Channel, Channel, Channel]);

export const ClassDef = z.object({
  /** The id the dataset uses (pixel value, palette index, R of the colour, or a labels id). */
  id: z.number().int(),
  name: z.string().min(1),
  color: RgbColor,
  /** Ignored by the loss and the metrics (mapped to the ignore label). */
  void: z.boolean().optional(),
});
export type ClassDef = z.infer<typeof ClassDef>;

export const SplitDescriptor = z.object({
  name: z.string().min(1),
  /** List file the split comes from (absolute), when the format has one. */
  listFile: z.string().optional(),
  imageDir: z.string().optional(),
  annotationDir: z.string().optional(),
});
export type SplitDescriptor = z.infer<typeof SplitDescriptor>;

export const Pairing = z.object({
  /**
   * `pair-list`: list lines name image and annotation; `name-list`: list lines name the sample
   * and the folders + suffix give the files; `basename`: files in two folders share a name.
   */
  kind: z.enum(['pair-list', 'name-list', 'basename']),
  /** Added to the image's base name to form the annotation's (`_GT` in the seed layout). */
  annotationSuffix: z.string().default(''),
});
export type Pairing = z.infer<typeof Pairing>;

export const DatasetDescriptor = z.object({
  version: z.literal(1),
  format: SavedDatasetFormat,
  /** Absolute path of the dataset folder. */
  root: z.string().min(1),
  splits: z.array(SplitDescriptor),
  pairing: Pairing,
  encoding: MaskEncoding,
  rgbMapping: RgbMapping.optional(),
  /** Every class the dataset uses, void ones included, ordered by id. */
  classes: z.array(ClassDef),
  /** The dataset id of the ignored class, or null when nothing is ignored. */
  voidId: z.number().int().nullable(),
  /** Where names/colours came from: a labels file path, `builtin` (VOC/ADE) or `discovered`. */
  labelsSource: z.string(),
  /** Images above this many pixels are refused (decompression bombs). */
  maxPixels: z.number().int().positive(),
});
export type DatasetDescriptor = z.infer<typeof DatasetDescriptor>;

/**
 * Stable problem codes: scripts and the UI key on these; `detail` is the human sentence.
 */
export const PROBLEM_REASONS = [
  'missing_image',
  'missing_annotation',
  'unresolved_path',
  'bad_list_line',
  'empty_file',
  'unreadable',
  'not_an_image',
  'truncated_file',
  'corrupt_file',
  'size_mismatch',
  'unknown_ids',
  'mask_16bit',
  'exif_rotated',
  'too_many_pixels',
  'unsupported_mask',
  'labels_file',
  'left_out',
  'outside_dataset',
] as const;
export const ProblemReason = z.enum(PROBLEM_REASONS);
export type ProblemReason = z.infer<typeof ProblemReason>;

export const Problem = z.object({
  /** Split name; empty for dataset-wide problems (e.g. an unreadable labels file). */
  split: z.string(),
  /** Sample base name, e.g. `0001TP_006690`; empty when the problem is not about a sample. */
  sample: z.string(),
  /** The offending file (or list file), absolute. */
  path: z.string(),
  reason: ProblemReason,
  detail: z.string().optional(),
  /** The sample's image, absolute, when its header checked out: an unusable sample can still be previewed. */
  image: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;

export const SplitSummary = z.object({ listed: z.number().int(), usable: z.number().int() });
export type SplitSummary = z.infer<typeof SplitSummary>;
