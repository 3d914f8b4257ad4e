/**
 * Pass 2 of opening a dataset (see open.ts): every usable sample's annotation is decoded once
 * and its values counted, and — on a full check — its image is decoded too, the way training
 * will decode it. Both run in the decode pool (worker threads) when there are enough samples.
 * A file that fails is named with the decoder's reason; the sample leaves the usable set.
 */
import path from 'node:path';
import type { MaskEncoding, Problem, ProblemReason } from '../../shared/dataset/descriptor';
import type { ClassMapper } from './classes';
import { mapLimit } from './concurrency';
import { createDecodePool, POOL_THRESHOLD } from './decode-pool';
import { scanKey, type ProgressFn, type SampleRecord } from './records';
import {
  checkImageInProcess,
  scanMaskInProcess,
  type ImageChecker,
  type MaskScan,
  type MaskScanner,
} from './scan';

export interface DeepPassOptions {
  /** Decode images as well as annotations (the full check; class discovery alone skips it). */
  readonly images: boolean;
  readonly scanner?: MaskScanner;
  readonly imageChecker?: ImageChecker;
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

export interface DeepPassResult {
  /** Value counts per decoded annotation, keyed by scanKey. */
  readonly scans: Map<string, MaskScan>;
  /** Samples whose image or annotation could not be decoded, keyed by scanKey. */
  readonly failed: Set<string>;
  readonly problems: Problem[];
}

const sampleProblem = (
  r: SampleRecord,
  file: string,
  reason: ProblemReason,
  detail: string,
): Problem => ({ split: r.split, sample: r.id, path: file, reason, detail, image: r.image });

export async function deepPass(
  records: readonly SampleRecord[],
  encoding: MaskEncoding,
  root: string,
  options: DeepPassOptions,
  progress: ProgressFn,
): Promise<DeepPassResult> {
  const scans = new Map<string, MaskScan>();
  const failed = new Set<string>();
  const problems: Problem[] = [];
  const own = options.scanner && (options.imageChecker || !options.images);
  const pool = own || records.length < POOL_THRESHOLD ? null : createDecodePool();
  const scanner = options.scanner ?? pool?.scan ?? scanMaskInProcess;
  const checkImage = options.imageChecker ?? pool?.checkImage ?? checkImageInProcess;
  const rel = (file: string): string => path.relative(root, file) || file;
  let done = 0;
  progress(0, records.length, 'annotations');
  await mapLimit(
    records,
    options.concurrency ?? Math.max(4, (pool?.workers ?? 1) * 4),
    async (r) => {
      const key = scanKey(r);
      const [image, mask] = await Promise.allSettled([
        options.images ? checkImage(r.image) : Promise.resolve(null),
        scanner(r.annotation, encoding),
      ]);
      if (image.status === 'rejected') {
        failed.add(key);
        problems.push(
          sampleProblem(
            r,
            r.image,
            'corrupt_file',
            `image ${rel(r.image)} cannot be decoded (${(image.reason as Error).message})`,
          ),
        );
      } else if (
        image.value &&
        (image.value.width !== r.width || image.value.height !== r.height)
      ) {
        failed.add(key);
        problems.push(
          sampleProblem(
            r,
            r.image,
            'corrupt_file',
            `image ${rel(r.image)} decodes to ${image.value.width}x${image.value.height}, its header says ${r.width}x${r.height}`,
          ),
        );
      }
      if (mask.status === 'rejected') {
        failed.add(key);
        problems.push(
          sampleProblem(
            r,
            r.annotation,
            'corrupt_file',
            `annotation ${rel(r.annotation)} cannot be decoded (${(mask.reason as Error).message})`,
          ),
        );
      } else {
        scans.set(key, mask.value);
      }
      progress(++done, records.length, 'annotations');
    },
    undefined,
    options.signal,
  ).finally(() => pool?.close());
  return { scans, failed, problems };
}

/** What is wrong with a decoded annotation's values, or null when the classes explain them all. */
export function valueProblem(
  r: SampleRecord,
  scan: MaskScan,
  mapper: ClassMapper,
  encoding: MaskEncoding,
  root: string,
): Problem | null {
  const name = path.relative(root, r.annotation);
  if (scan.width !== r.width || scan.height !== r.height) {
    return sampleProblem(
      r,
      r.annotation,
      'corrupt_file',
      `annotation ${name} decodes to ${scan.width}x${scan.height}, its header says ${r.width}x${r.height}`,
    );
  }
  if (scan.colorPixel !== undefined && encoding !== 'rgb') {
    const [x, y] = [scan.colorPixel % scan.width, Math.floor(scan.colorPixel / scan.width)];
    return sampleProblem(
      r,
      r.annotation,
      'unsupported_mask',
      `annotation ${name} is a colour mask (red, green and blue differ at pixel ${x},${y}), but this dataset's masks hold class ids (grey or palette); save it as ids like the others`,
    );
  }
  const unknown = scan.histogram.filter(([key]) => mapper.idOfKey(key) === undefined);
  if (unknown.length === 0) return null;
  const pixels = unknown.reduce((n, [, c]) => n + c, 0);
  const listing = unknown
    .slice(0, 8)
    .map(([key, count]) => `${mapper.describeKey(key, encoding)} (${count} px)`)
    .join(', ');
  const more = unknown.length > 8 ? `, and ${unknown.length - 8} more` : '';
  const every = pixels === scan.width * scan.height ? ' (every pixel of the mask)' : '';
  return sampleProblem(
    r,
    r.annotation,
    'unknown_ids',
    `annotation ${name} has ${pixels} px with ${encoding === 'rgb' ? 'colours' : 'values'} not in the labels: ${listing}${more}${every}`,
  );
}
