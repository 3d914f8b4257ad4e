import path from 'node:path';
import type {
  ClassDef,
  MaskEncoding,
  Pairing,
  Problem,
  RgbMapping,
} from '../../shared/dataset/descriptor';
import type { DatasetFormat } from '../../shared/dataset/formats';
import type { DirCache } from './dir-cache';

/**
 * What a format module hands to the validator: the samples each split lists, with the paths
 * where their files should be. Nothing here has been opened yet; a planned path may not exist.
 */
export interface PlannedSample {
  /** Base name, e.g. `0001TP_006690`. */
  readonly sample: string;
  readonly image: string;
  readonly annotation: string;
  /** Set when the sample is already known to be unusable (e.g. an unresolved list line). */
  readonly problem?: Problem;
}

export interface PlannedSplit {
  readonly name: string;
  readonly listFile?: string;
  readonly imageDir?: string;
  readonly annotationDir?: string;
  readonly samples: readonly PlannedSample[];
  /** List-level problems that are not one sample (e.g. a malformed line). */
  readonly problems: readonly Problem[];
}

export interface DatasetPlan {
  readonly format: DatasetFormat;
  /** The folder the dataset really lives in (ADE20K/VOC may sit one level down). */
  readonly root: string;
  readonly pairing: Pairing;
  readonly splits: readonly PlannedSplit[];
  /** Folders to look in for a labels file, most specific first. */
  readonly labelsDirs: readonly string[];
  /** Names and colours the format defines itself (VOC, ADE20K's objectInfo150.csv). */
  readonly builtinClasses?: readonly ClassDef[];
  readonly defaultVoidId: number | null;
  /** Set when the format fixes the encoding; otherwise the first annotation decides. */
  readonly encoding?: MaskEncoding;
  readonly rgbMapping?: RgbMapping;
}

export interface Detection {
  readonly format: DatasetFormat;
  /** 0 = not this format, 1 = certain. */
  readonly confidence: number;
  readonly reasons: readonly string[];
}

export interface FormatModule {
  readonly format: DatasetFormat;
  /** What the layout looks like, for "no samples found" errors. */
  readonly layout: string;
  detect(root: string, cache: DirCache): Promise<Detection>;
  plan(root: string, cache: DirCache): Promise<DatasetPlan>;
}

/**
 * An annotation without its image: listed so the mask file itself is named (`path` is the
 * annotation), not only the image it lacks.
 */
export function orphanAnnotation(
  split: string,
  sample: string,
  expectedImage: string,
  annotation: string,
  root: string,
): PlannedSample {
  const rel = (p: string): string => path.relative(root, p) || p;
  return {
    sample,
    image: expectedImage,
    annotation,
    problem: {
      split,
      sample,
      path: annotation,
      reason: 'missing_image',
      detail: `annotation ${rel(annotation)} has no image (looked for ${rel(path.dirname(expectedImage))}/${path.basename(sample)}.*)`,
    },
  };
}

/** Something inside the dataset's folders that the layout does not use, named so it is not lost silently. */
export function leftOut(split: string, file: string, detail: string): Problem {
  return { split, sample: '', path: file, reason: 'left_out', detail };
}
