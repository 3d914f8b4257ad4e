import path from 'node:path';
import type {
  ClassDef,
  MaskEncoding,
  Pairing,
  Problem,
  RgbMapping,
} from '../../shared/dataset/descriptor';
import type { DatasetFormat } from '../../shared/dataset/formats';
import { imagesByStem, type DirCache } from './dir-cache';

/**
 * What a format module hands to the validator: the samples each split lists, with the paths
 * where their files should be. Nothing here has been opened yet; a planned path may not exist.
 */
export interface PlannedSample {
  /** Base name, e.g. `0001TP_006690`. */
  readonly sample: string;
  readonly image: string;
  /**
   * Where the annotation should be; '' when nothing names one (a one-column list line). An
   * image whose annotation does not exist is an unlabeled sample, unless `annotationNamed`.
   */
  readonly annotation: string;
  /** A list line names this annotation file itself, so its absence is `missing_annotation`. */
  readonly annotationNamed?: boolean;
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
  /** Set when the format fixes the encoding; otherwise the masks' headers decide (mask-encoding.ts). */
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

/** What `detect` returns when the folder holds nothing of a format's layout. */
export function notDetected(format: DatasetFormat): Detection {
  return { format, confidence: 0, reasons: [] };
}

/**
 * A format whose dataset sits in the picked folder or below it, where `locate` finds it (null:
 * nothing there has the layout). `detect` is asked only about a located dataset; `plan` gets
 * what `locate` found, or null, and then reads the picked folder as the layout anyway so its
 * problems are named. The module fills in the format's name in both answers.
 */
export interface LocatedFormat<Found> {
  readonly format: DatasetFormat;
  readonly layout: string;
  locate(root: string, cache: DirCache): Promise<Found | null>;
  detect(found: Found, cache: DirCache): Promise<Omit<Detection, 'format'>>;
  plan(found: Found | null, root: string, cache: DirCache): Promise<Omit<DatasetPlan, 'format'>>;
}

export function locatedFormat<Found>(spec: LocatedFormat<Found>): FormatModule {
  const { format, layout } = spec;
  return {
    format,
    layout,
    async detect(root, cache) {
      const found = await spec.locate(root, cache);
      if (!found) return notDetected(format);
      return { format, ...(await spec.detect(found, cache)) };
    },
    async plan(root, cache) {
      return { format, ...(await spec.plan(await spec.locate(root, cache), root, cache)) };
    },
  };
}

/**
 * The first of `root` and then its direct sub-folders that `holds` the layout, else null: the
 * user may pick the dataset folder or the one above it.
 */
export async function rootOrChild(
  root: string,
  cache: DirCache,
  holds: (dir: string) => Promise<boolean>,
): Promise<string | null> {
  for (const dir of [root, ...(await cache.subdirs(root)).map((d) => path.join(root, d))]) {
    if (await holds(dir)) return dir;
  }
  return null;
}

/** Whether every one of `folders` is a folder inside `dir`. */
export async function holdsFolders(
  cache: DirCache,
  dir: string,
  folders: readonly string[],
): Promise<boolean> {
  for (const folder of folders) if (!(await cache.isDir(path.join(dir, folder)))) return false;
  return true;
}

const SPLIT_ORDER = ['train', 'val', 'test'];

/** The visible sub-folders of `dir` as split names: train, val, test first, then by name. */
export async function splitFoldersOf(cache: DirCache, dir: string): Promise<string[]> {
  const rank = (n: string): number => {
    const i = SPLIT_ORDER.indexOf(n);
    return i < 0 ? SPLIT_ORDER.length : i;
  };
  return (await cache.subdirs(dir))
    .filter((d) => !d.startsWith('.'))
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
}

/** Where one split's images and annotations lie; problems name paths relative to `root`. */
export interface SplitFolders {
  readonly split: string;
  readonly imageDir: string;
  readonly annotationDir: string;
  readonly root: string;
}

/** A format's rule for matching an image with its annotation by name. */
export interface StemRule {
  /** Annotation name endings tried in order after an image's id ('' = the same name). */
  readonly suffixes: readonly string[];
  /** Extension of the image an orphan annotation is reported to lack (`.png`, `.jpg`). */
  readonly imageExt: string;
}

/** A split's samples paired by name, and the annotation files no sample reads. */
export interface StemPairs {
  readonly samples: PlannedSample[];
  /** An image's second annotation file (`a.png` beside `a_mask.png`): named, never read. */
  readonly problems: Problem[];
}

/**
 * Images (id -> file) paired with annotations (name stem -> file) by id plus the first
 * matching suffix; an image without one expects `annotationDir/ID.png`. An annotation no image
 * took is listed after them as a sample whose image is missing, unless its id has an image
 * (that image has two annotation files): then it is a `left_out` problem of that sample, which
 * keeps the first one.
 */
export function pairByStem(
  images: ReadonlyMap<string, string>,
  annotations: ReadonlyMap<string, string>,
  p: SplitFolders & StemRule,
): StemPairs {
  const used = new Map<string, string>();
  const samples: PlannedSample[] = [];
  const problems: Problem[] = [];
  const rel = (file: string): string => path.relative(p.root, file) || file;
  for (const [id, image] of images) {
    const key = p.suffixes.map((s) => `${id}${s}`).find((k) => annotations.has(k));
    if (key) used.set(id, annotations.get(key)!);
    samples.push({
      sample: id,
      image,
      annotation: key ? annotations.get(key)! : path.join(p.annotationDir, `${id}.png`),
    });
  }
  const taken = new Set(used.values());
  for (const [key, annotation] of annotations) {
    if (taken.has(annotation)) continue;
    const suffix = p.suffixes.find((s) => s && key.endsWith(s)) ?? '';
    const id = key.slice(0, key.length - suffix.length);
    const read = used.get(id);
    if (read) {
      problems.push({
        split: p.split,
        sample: id,
        path: annotation,
        reason: 'left_out',
        detail: `annotation ${rel(annotation)} is a second annotation of image ${rel(images.get(id)!)}, which reads ${rel(read)}; it is not used`,
        image: images.get(id)!,
      });
      continue;
    }
    const expected = path.join(p.imageDir, `${id}${p.imageExt}`);
    samples.push(orphanAnnotation(p.split, id, expected, annotation, p.root));
  }
  return { samples, problems };
}

/** One split whose image and annotation folders hold files paired by `rule` (ADE20K, MMSeg). */
export async function stemPairedSplit(
  cache: DirCache,
  folders: SplitFolders,
  rule: StemRule,
): Promise<PlannedSplit> {
  const images = await imagesByStem(cache, folders.imageDir);
  const annotations = await imagesByStem(cache, folders.annotationDir);
  const { split: name, imageDir, annotationDir } = folders;
  const { samples, problems } = pairByStem(images, annotations, { ...folders, ...rule });
  return { name, imageDir, annotationDir, samples, problems };
}
