/**
 * The open-time check for every sample: both headers (plus each file's last bytes) are read,
 * never the pixels. This finds missing, empty, unreadable, non-image and truncated files,
 * 16-bit masks, EXIF rotation, pixel bombs and size mismatches. Every check runs on every
 * sample, so one sample can report several problems; none stops the scan. An image whose
 * annotation file does not exist at all (and no list line names one) is not a problem: it is
 * an unlabeled sample, kept with `annotation: ''` for the editor, Label next and pre-labelling.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Problem, ProblemReason } from '../../shared/dataset/descriptor';
import { isInside, realPathOutside, type AllowedRoots } from '../fs/inside';
import { mapLimit } from './concurrency';
import { readImageHeader, type ColorType, type HeaderResult, type ImageHeader } from './headers';
import type { PlannedSample, PlannedSplit } from './plan';
import type { SampleRecord } from './records';

export interface HeaderCheckOptions {
  readonly root: string;
  /** Where the dataset's files may really lie (`allowedRoots` over every split's files). */
  readonly allowed: AllowedRoots;
  readonly maxPixels: number;
  readonly concurrency?: number;
  readonly onSample?: (done: number) => void;
  readonly signal?: AbortSignal;
}

export interface CheckedSample {
  /** A usable sample, or an unlabeled one (`annotation` is ''), or null when it has problems. */
  readonly record: SampleRecord | null;
  readonly annotationColor: ColorType | null;
  readonly problems: Problem[];
}

const ORIENTATION_WORDS: Record<number, string> = {
  2: 'mirrored',
  3: 'rotated 180°',
  4: 'flipped vertically',
  5: 'mirrored and rotated 90°',
  6: 'rotated 90°',
  7: 'mirrored and rotated 270°',
  8: 'rotated 270°',
};

const mpx = (pixels: number): string => `${(pixels / 1e6).toFixed(1)} Mpx`;

function checkOne(
  result: HeaderResult,
  role: 'image' | 'annotation',
  name: string,
  maxPixels: number,
  report: (reason: ProblemReason, detail: string) => void,
): ImageHeader | null {
  if (!result.ok) {
    const reason =
      result.reason === 'missing_image' && role === 'annotation'
        ? 'missing_annotation'
        : result.reason;
    const detail = reason.startsWith('missing_')
      ? `${role} ${name} does not exist`
      : `${role} ${result.detail}`;
    report(reason, detail);
    return null;
  }
  const h = result.header;
  let ok = true;
  if (h.width * h.height > maxPixels) {
    report(
      'too_many_pixels',
      `${role} ${name} is ${h.width}x${h.height} (${mpx(h.width * h.height)}), over the ${mpx(maxPixels)} limit`,
    );
    ok = false;
  }
  if (h.orientation !== 1) {
    const how = ORIENTATION_WORDS[h.orientation] ?? `orientation ${h.orientation}`;
    report(
      'exif_rotated',
      `${role} ${name} has EXIF orientation ${h.orientation} (${how}): displayed and stored pixels differ`,
    );
    ok = false;
  }
  if (role === 'annotation' && h.bitDepth === 16) {
    report('mask_16bit', `annotation ${name} is a 16-bit image; class masks must be 8-bit`);
    ok = false;
  }
  if (role === 'annotation' && h.kind === 'jpeg') {
    report(
      'unsupported_mask',
      `annotation ${name} is a JPEG: lossy compression changes class values`,
    );
    ok = false;
  }
  return ok ? h : null;
}

/** Why `file` (really at `target`, outside the allowed roots) is not read. */
function outsideDetail(
  role: string,
  file: string,
  name: string,
  target: string,
  allowed: AllowedRoots,
): string {
  const via = allowed.refused.find((r) => isInside(r.link, path.resolve(file)));
  if (!via) return `${role} ${name} links to ${target}, outside the dataset folder; it is not read`;
  return `${role} ${name} is reached through the folder link ${via.link} -> ${via.target}, ${via.reason}, which is not followed; it is not read (link the folder that holds the files instead)`;
}

/**
 * Whether the sample simply has no annotation yet: its expected file does not exist (not
 * even as a dangling link) and no list line names it. A list line that names a file which is
 * gone stays a `missing_annotation` problem: the list says there should be one.
 */
async function hasNoAnnotation(planned: PlannedSample, result: HeaderResult): Promise<boolean> {
  if (result.ok || result.reason !== 'missing_image' || planned.annotationNamed) return false;
  return (await fs.lstat(planned.annotation).catch(() => null)) === null;
}

function unlabeledRecord(planned: PlannedSample, split: string, image: ImageHeader): SampleRecord {
  return {
    id: planned.sample,
    split,
    image: planned.image,
    annotation: '',
    width: image.width,
    height: image.height,
    imageKind: image.kind,
    annotationKind: 'png',
    imageBytes: image.bytes,
    annotationBytes: 0,
    imageMtimeMs: image.mtimeMs,
    annotationMtimeMs: 0,
  };
}

async function checkSample(
  planned: PlannedSample,
  split: string,
  options: HeaderCheckOptions,
): Promise<CheckedSample> {
  const problems: Problem[] = [];
  if (planned.problem) return { record: null, annotationColor: null, problems: [planned.problem] };
  const rel = (p: string): string => path.relative(options.root, p) || p;
  const reporter = (file: string) => (reason: ProblemReason, detail: string) =>
    problems.push({ split, sample: planned.sample, path: file, reason, detail });
  // A file that links outside the dataset is never read (not even its header): every
  // consumer (training, prediction, the media route) then skips the sample by this problem.
  const outside = await Promise.all(
    [planned.image, planned.annotation].map((f) => realPathOutside(f, options.allowed.realRoots)),
  );
  outside.forEach((target, i) => {
    const file = i === 0 ? planned.image : planned.annotation;
    if (target)
      reporter(file)(
        'outside_dataset',
        outsideDetail(i === 0 ? 'image' : 'annotation', file, rel(file), target, options.allowed),
      );
  });
  if (problems.length > 0) {
    const withImage = outside[0] ? problems : problems.map((p) => ({ ...p, image: planned.image }));
    return { record: null, annotationColor: null, problems: withImage };
  }
  const [imageResult, annotationResult] = await Promise.all([
    readImageHeader(planned.image, rel(planned.image)),
    planned.annotation === '' ? null : readImageHeader(planned.annotation, rel(planned.annotation)),
  ]);
  const image = checkOne(
    imageResult,
    'image',
    rel(planned.image),
    options.maxPixels,
    reporter(planned.image),
  );
  if (!annotationResult || (await hasNoAnnotation(planned, annotationResult))) {
    if (!image) return { record: null, annotationColor: null, problems };
    return { record: unlabeledRecord(planned, split, image), annotationColor: null, problems };
  }
  const annotation = checkOne(
    annotationResult,
    'annotation',
    rel(planned.annotation),
    options.maxPixels,
    reporter(planned.annotation),
  );
  if (
    image &&
    annotation &&
    (image.width !== annotation.width || image.height !== annotation.height)
  ) {
    reporter(planned.annotation)(
      'size_mismatch',
      `annotation ${rel(planned.annotation)} is ${annotation.width}x${annotation.height} but image ${rel(planned.image)} is ${image.width}x${image.height}`,
    );
  }
  const annotationColor = annotationResult.ok ? annotationResult.header.colorType : null;
  if (!image || !annotation || problems.length > 0) {
    const withImage = image ? problems.map((p) => ({ ...p, image: planned.image })) : problems;
    return { record: null, annotationColor, problems: withImage };
  }
  return {
    record: {
      id: planned.sample,
      split,
      image: planned.image,
      annotation: planned.annotation,
      width: image.width,
      height: image.height,
      imageKind: image.kind,
      annotationKind: annotation.kind,
      imageBytes: image.bytes,
      annotationBytes: annotation.bytes,
      imageMtimeMs: image.mtimeMs,
      annotationMtimeMs: annotation.mtimeMs,
    },
    annotationColor,
    problems,
  };
}

export async function checkSplitHeaders(
  split: PlannedSplit,
  options: HeaderCheckOptions,
): Promise<CheckedSample[]> {
  return mapLimit(
    split.samples,
    options.concurrency ?? 24,
    (s) => checkSample(s, split.name, options),
    options.onSample,
    options.signal,
  );
}
