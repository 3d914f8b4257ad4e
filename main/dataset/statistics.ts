/**
 * Pixel counts per class for one split, for class weights and the UI. Decoding every mask
 * takes a while on 20k samples, so the result is cached on disk (see split-cache.ts): any
 * edit of a mask or of the classes recomputes, nothing else does.
 */
import { z } from 'zod';
import { writeJsonAtomic } from '../fs/atomic';
import { readJsonOrNull } from '../fs/json';
import type { DatasetIndex } from './dataset-index';
import type { ProgressFn } from './records';
import type { ClassMapper } from './classes';
import type { MaskScan, MaskScanner } from './scan';
import { splitCacheFile } from './split-cache';
import { scanSplit } from './split-scan';

export interface ClassPixelCount {
  readonly index: number;
  readonly datasetId: number;
  readonly name: string;
  readonly pixels: number;
  /** Share of the non-void, known pixels. */
  readonly share: number;
  /** Number of samples in which the class appears. */
  readonly samples: number;
}

export interface ClassStatistics {
  readonly split: string;
  readonly samples: number;
  readonly totalPixels: number;
  readonly voidPixels: number;
  /** Pixels whose value the labels do not name (they train as ignored). */
  readonly unknownPixels: number;
  readonly classes: readonly ClassPixelCount[];
}

export interface StatisticsOptions {
  readonly cacheDir: string;
  readonly onProgress?: ProgressFn;
  readonly scanner?: MaskScanner;
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

const CachedStatistics = z.object({
  split: z.string(),
  samples: z.number(),
  totalPixels: z.number(),
  voidPixels: z.number(),
  unknownPixels: z.number(),
  classes: z.array(
    z.object({
      index: z.number().int(),
      datasetId: z.number().int(),
      name: z.string(),
      pixels: z.number(),
      share: z.number(),
      samples: z.number(),
    }),
  ),
});

/** Pixel and image counts per dataset id over a set of mask scans. */
export interface ScanTally {
  /** Per dataset id (void classes included): pixels, and masks containing it. */
  readonly byId: ReadonlyMap<number, { readonly pixels: number; readonly images: number }>;
  readonly totalPixels: number;
  /** Pixels of void classes (ignored by training). */
  readonly voidPixels: number;
  /** Pixels whose value the classes do not name. */
  readonly unknownPixels: number;
}

/**
 * The one counting pass behind class statistics (app) and `inspect --deep` (CLI): every
 * scan's histogram mapped to dataset ids, at the masks' own resolution.
 */
export function tallyScans(scans: Iterable<MaskScan>, mapper: ClassMapper): ScanTally {
  const training = new Set(mapper.classes.map((c) => c.datasetId));
  const byId = new Map<number, { pixels: number; images: number }>();
  let totalPixels = 0;
  let voidPixels = 0;
  let unknownPixels = 0;
  for (const scan of scans) {
    const seen = new Set<number>();
    for (const [key, count] of scan.histogram) {
      totalPixels += count;
      const id = mapper.idOfKey(key);
      if (id === undefined) {
        unknownPixels += count;
        continue;
      }
      if (!training.has(id)) voidPixels += count;
      const entry = byId.get(id) ?? { pixels: 0, images: 0 };
      entry.pixels += count;
      if (!seen.has(id)) {
        entry.images++;
        seen.add(id);
      }
      byId.set(id, entry);
    }
  }
  return { byId, totalPixels, voidPixels, unknownPixels };
}

/**
 * The statistics saved for the split's current masks and classes, or null (never computed,
 * stale after an edit, damaged): reopening a project shows them without decoding a mask.
 */
export function cachedClassStatistics(
  index: DatasetIndex,
  split: string,
  cacheDir: string,
): Promise<ClassStatistics | null> {
  return readJsonOrNull(splitCacheFile(index, split, cacheDir, 'class-stats'), CachedStatistics);
}

export async function classStatistics(
  index: DatasetIndex,
  split: string,
  options: StatisticsOptions,
): Promise<ClassStatistics> {
  const file = splitCacheFile(index, split, options.cacheDir, 'class-stats');
  // Absent or unusable (damaged, older shape): recompute.
  const cached = await readJsonOrNull(file, CachedStatistics);
  if (cached) return cached;

  const samples = index.split(split).samples;
  const onProgress = options.onProgress;
  const scans = await scanSplit(index, split, {
    ...(options.scanner && { scanner: options.scanner }),
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    ...(options.signal && { signal: options.signal }),
    ...(onProgress && {
      onProgress: (done: number, total: number) => onProgress(done, total, 'statistics'),
    }),
  });

  const mapper = index.mapper;
  const tally = tallyScans(scans, mapper);
  const pixels = Float64Array.from(mapper.classes, (c) => tally.byId.get(c.datasetId)?.pixels ?? 0);
  const present = Float64Array.from(
    mapper.classes,
    (c) => tally.byId.get(c.datasetId)?.images ?? 0,
  );
  const total = tally.totalPixels;
  const voidPixels = tally.voidPixels;
  const unknown = tally.unknownPixels;
  const known = pixels.reduce((a, b) => a + b, 0);
  const stats: ClassStatistics = {
    split,
    samples: samples.length,
    totalPixels: total,
    voidPixels,
    unknownPixels: unknown,
    classes: mapper.classes.map((c) => ({
      index: c.index,
      datasetId: c.datasetId,
      name: c.name,
      pixels: pixels[c.index]!,
      share: known > 0 ? pixels[c.index]! / known : 0,
      samples: present[c.index]!,
    })),
  };
  await writeJsonAtomic(file, stats);
  return stats;
}
