/**
 * Opening a dataset, in two passes:
 *  1. headers (always): every listed sample's two files are paired and their headers read —
 *     no pixels — so 20k samples open in seconds and every file-level problem is found;
 *  2. annotations (only with `deep`, or when classes must be discovered because no labels
 *     file names them): each mask is decoded once and its values counted, which finds ids or
 *     colours the labels do not know. The counts are kept, so class statistics after a deep
 *     open cost nothing; otherwise classStatistics() runs this pass lazily in the background.
 */
import path from 'node:path';
import type {
  ClassDef,
  DatasetDescriptor,
  MaskEncoding,
  Problem,
  RgbMapping,
} from '../../shared/dataset/descriptor';
import type { DatasetFormat } from '../../shared/dataset/formats';
import {
  ClassMapper,
  discoveredClasses,
  discoveredColorClasses,
  findLabelsFile,
  readLabelsFile,
} from './classes';
import { allowedRoots, type AllowedRoots } from '../fs/inside';
import { detectFormat } from './detect';
import { DatasetError } from './errors';
import { DirCache } from './dir-cache';
import { DatasetIndex, type SplitIndex } from './dataset-index';
import { formatModule } from './formats/index';
import { chooseEncoding, type AnnotationHeader } from './mask-encoding';
import type { DatasetPlan } from './plan';
import { scanKey, type ProgressFn, type SampleRecord } from './records';
import type { ImageChecker, MaskScan, MaskScanner } from './scan';
import { deepPass, valueProblem, type DeepPassOptions } from './deep-pass';
import { checkSplitHeaders } from './validate-headers';

export interface OpenOptions {
  /** Skip detection and read the folder as this format. */
  readonly format?: DatasetFormat;
  /** Labels file (JSON SEG_LABELS_LIST or CSV); found next to the data when omitted. */
  readonly labelsFile?: string;
  /** A saved descriptor: its classes, encoding and format win over what is on disk. */
  readonly descriptor?: DatasetDescriptor;
  readonly onProgress?: ProgressFn;
  /** Decode every annotation to check its values, and every image to check its pixels. */
  readonly deep?: boolean;
  /** Pixel limit per image (decompression bombs); default 100 Mpx. */
  readonly maxPixels?: number;
  /** How annotations are decoded in the value pass (a worker pool, or in-process). */
  readonly scanner?: MaskScanner;
  /** How images are decoded in the full check (a worker pool, or in-process). */
  readonly imageChecker?: ImageChecker;
  readonly concurrency?: number;
  /** Stops the scan between samples; openDataset then rejects with the abort reason. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_MAX_PIXELS = 100_000_000;

interface ClassChoice {
  classes: readonly ClassDef[] | null;
  source: string;
  problems: Problem[];
}

async function chooseClasses(
  plan: DatasetPlan,
  options: OpenOptions,
  cache: DirCache,
): Promise<ClassChoice> {
  if (options.descriptor)
    return {
      classes: options.descriptor.classes,
      source: options.descriptor.labelsSource,
      problems: [],
    };
  const file = options.labelsFile
    ? path.resolve(options.labelsFile)
    : await findLabelsFile(plan.labelsDirs, cache);
  if (file) {
    const parsed = await readLabelsFile(file);
    if (parsed.ok) return { classes: parsed.classes, source: file, problems: [] };
    // A file the user named is not second-guessed: opening with other classes would mislead.
    if (options.labelsFile)
      throw new DatasetError(`labels file ${file} cannot be used: ${parsed.error}`);
    const problem: Problem = {
      split: '',
      sample: '',
      path: file,
      reason: 'labels_file',
      detail: `labels file ${path.basename(file)} cannot be used: ${parsed.error}`,
    };
    if (plan.builtinClasses)
      return { classes: [...plan.builtinClasses], source: 'builtin', problems: [problem] };
    return { classes: null, source: 'discovered', problems: [problem] };
  }
  if (plan.builtinClasses)
    return { classes: [...plan.builtinClasses], source: 'builtin', problems: [] };
  return { classes: null, source: 'discovered', problems: [] };
}

/** Marks the seed's void (id 0 in red-id masks) or the format's void when labels do not. */
function withVoid(classes: ClassDef[], voidId: number | null): ClassDef[] {
  if (classes.some((c) => c.void) || voidId === null) return classes;
  const hit = classes.find((c) => c.id === voidId);
  if (hit) return classes.map((c) => (c.id === voidId ? { ...c, void: true } : c));
  return classes;
}

/**
 * Pass 1 over every split: usable records, unlabeled images (no annotation file), every
 * problem, and each usable mask's colour type.
 */
async function checkAllHeaders(
  plan: DatasetPlan,
  options: OpenOptions,
  maxPixels: number,
  progress: ProgressFn,
  allowed: AllowedRoots,
): Promise<{
  records: Map<string, SampleRecord[]>;
  unlabeled: Map<string, SampleRecord[]>;
  problems: Problem[];
  annotations: AnnotationHeader[];
}> {
  const total = plan.splits.reduce((n, s) => n + s.samples.length, 0);
  let done = 0;
  progress(0, total, 'headers');
  const records = new Map<string, SampleRecord[]>();
  const unlabeled = new Map<string, SampleRecord[]>();
  const problems: Problem[] = [];
  const annotations: AnnotationHeader[] = [];
  for (const split of plan.splits) {
    const checked = await checkSplitHeaders(split, {
      root: plan.root,
      allowed,
      maxPixels,
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
      onSample: () => progress(++done, total, 'headers'),
      ...(options.signal && { signal: options.signal }),
    });
    problems.push(...split.problems);
    const usable: SampleRecord[] = [];
    const withoutMask: SampleRecord[] = [];
    for (const c of checked) {
      problems.push(...c.problems);
      if (!c.record) continue;
      if (c.record.annotation === '') {
        withoutMask.push(c.record);
        continue;
      }
      usable.push(c.record);
      annotations.push({ file: c.record.annotation, color: c.annotationColor });
    }
    records.set(split.name, usable);
    unlabeled.set(split.name, withoutMask);
  }
  return { records, unlabeled, problems, annotations };
}

function deepOptions(options: OpenOptions): DeepPassOptions {
  return {
    images: options.deep === true,
    ...(options.scanner && { scanner: options.scanner }),
    ...(options.imageChecker && { imageChecker: options.imageChecker }),
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    ...(options.signal && { signal: options.signal }),
  };
}

export async function openDataset(dir: string, options: OpenOptions = {}): Promise<DatasetIndex> {
  const cache = new DirCache();
  const requested = path.resolve(dir);
  const format =
    options.format ?? options.descriptor?.format ?? (await detectFormat(requested, cache)).format;
  if (!format)
    throw new DatasetError(
      `${requested} does not look like a dataset Seg Studio knows (choose the format)`,
    );
  const spec = formatModule(format);
  const plan = await spec.plan(requested, cache);
  const listedProblems = (s: DatasetPlan['splits'][number]): number =>
    s.problems.filter((p) => p.reason !== 'left_out').length;
  if (plan.splits.every((s) => s.samples.length === 0 && listedProblems(s) === 0)) {
    throw new DatasetError(
      `${requested} has no samples in the ${format} layout (expected ${spec.layout})`,
    );
  }
  const maxPixels = options.maxPixels ?? options.descriptor?.maxPixels ?? DEFAULT_MAX_PIXELS;
  const progress = options.onProgress ?? (() => undefined);

  // Classes first: an unusable labels file the user named fails before any file is read.
  const choice = await chooseClasses(plan, options, cache);
  // Decided once over every split's files, so a link from one split folder into another holds.
  const allowed = await allowedRoots(
    plan.root,
    plan.splits.flatMap((s) => s.samples.flatMap((p) => [p.image, p.annotation])),
  );
  const headers = await checkAllHeaders(plan, options, maxPixels, progress, allowed);
  const { records } = headers;
  const problems = [...choice.problems, ...headers.problems];

  let encoding: MaskEncoding;
  let rgbMapping: RgbMapping | undefined;
  if (options.descriptor) {
    encoding = options.descriptor.encoding;
    rgbMapping = options.descriptor.rgbMapping;
  } else {
    ({ encoding, rgbMapping } = await chooseEncoding(
      headers.annotations,
      choice.classes,
      plan.encoding,
      plan.rgbMapping,
    ));
  }
  const defaultVoid = rgbMapping === 'red-id' ? 0 : plan.defaultVoidId;

  // Pass 2: annotation values (and, on a full check, image pixels), when asked for or when
  // nothing names the classes.
  const deep = options.deep === true || choice.classes === null;
  const pass = deep
    ? await deepPass(
        [...records.values()].flat(),
        encoding,
        plan.root,
        deepOptions(options),
        progress,
      )
    : null;
  if (pass) problems.push(...pass.problems);
  const scans = pass?.scans ?? new Map<string, MaskScan>();

  let classes: ClassDef[] | null = choice.classes ? [...choice.classes] : null;
  if (!classes) {
    const keys = new Set<number>();
    for (const s of scans.values()) for (const [key] of s.histogram) keys.add(key);
    classes =
      encoding === 'rgb' && rgbMapping !== 'red-id'
        ? discoveredColorClasses(keys)
        : discoveredClasses(
            rgbMapping === 'red-id' ? [...keys].map((k) => (k >> 16) & 0xff) : keys,
            defaultVoid,
          );
  }
  classes = withVoid(
    [...classes].sort((a, b) => a.id - b.id),
    defaultVoid,
  );
  const voidId = classes.find((c) => c.void)?.id ?? null;

  const descriptor: DatasetDescriptor = {
    version: 1,
    format,
    root: plan.root,
    splits: plan.splits.map((s) => ({
      name: s.name,
      ...(s.listFile && { listFile: s.listFile }),
      ...(s.imageDir && { imageDir: s.imageDir }),
      ...(s.annotationDir && { annotationDir: s.annotationDir }),
    })),
    pairing: plan.pairing,
    encoding,
    ...(rgbMapping && { rgbMapping }),
    classes,
    voidId,
    labelsSource: choice.source,
    maxPixels,
  };

  // Value check on what was scanned: ids/colours the classes do not name.
  if (deep) {
    const mapper = new ClassMapper(descriptor);
    for (const [name, list] of records) {
      records.set(
        name,
        list.filter((r) => {
          const scan = scans.get(scanKey(r));
          if (!scan || pass?.failed.has(scanKey(r))) return false; // already reported
          const problem = valueProblem(r, scan, mapper, encoding, plan.root);
          if (problem) problems.push(problem);
          return problem === null;
        }),
      );
    }
  }

  const splits: Record<string, SplitIndex> = {};
  for (const split of plan.splits) {
    const samples = records.get(split.name) ?? [];
    const unlabeled = headers.unlabeled.get(split.name) ?? [];
    splits[split.name] = {
      listed: split.samples.length + listedProblems(split),
      usable: samples.length,
      samples,
      ...(unlabeled.length > 0 && { unlabeled }),
    };
  }
  return new DatasetIndex(descriptor, splits, problems, scans, undefined, allowed.roots);
}
