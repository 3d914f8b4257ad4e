import { z } from 'zod';
import { Problem } from '../../shared/dataset/descriptor';
import { valueProblem } from '../dataset/deep-pass';
import type { DatasetIndex } from '../dataset/index';
import { scanMaskInProcess, type MaskScan, type MaskScanner } from '../dataset/scan';
import { splitCacheFile } from '../dataset/split-cache';
import { scanSplit } from '../dataset/split-scan';
import { writeJsonAtomic } from '../fs/atomic';
import { readJsonOrNull } from '../fs/json';

/**
 * Which classes each sample's ground truth contains (for Browse's "contains class" filter).
 * One decode per mask, cached on disk under a key of the masks' paths/sizes/mtimes and the
 * class mapping. The scans made on the way are handed back so the class statistics of the
 * same split reuse them instead of decoding every mask a second time.
 *
 * The same pass is the app's first look at every mask's values (a project opens on headers
 * only): a mask with values the labels do not name (say every pixel 200) is a problem, with
 * the values and their pixel counts, exactly as `segstudio inspect` reports it (valueProblem).
 */
const PresenceFile = z.object({
  presence: z.record(z.string(), z.array(z.number().int())),
  problems: z.array(Problem),
});

export interface PresenceResult {
  readonly presence: Map<string, readonly number[]>;
  /** Masks whose values the classes do not all explain (`unknown_ids`), or that decode wrong. */
  readonly problems: readonly Problem[];
  /** Scans decoded during this call, by annotation path (empty when read from the cache). */
  readonly scans: Map<string, MaskScan>;
}

/** The presence saved for the split's current masks and classes, or null (nothing decoded). */
export async function cachedClassPresence(
  index: DatasetIndex,
  split: string,
  cacheDir: string,
): Promise<PresenceResult | null> {
  const cached = await readJsonOrNull(
    splitCacheFile(index, split, cacheDir, 'presence'),
    PresenceFile,
  );
  if (!cached) return null;
  return {
    presence: new Map(Object.entries(cached.presence)),
    problems: cached.problems,
    scans: new Map(),
  };
}

export async function classPresence(
  index: DatasetIndex,
  split: string,
  cacheDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<PresenceResult> {
  const file = splitCacheFile(index, split, cacheDir, 'presence');
  const scans = new Map<string, MaskScan>();
  const cached = await cachedClassPresence(index, split, cacheDir);
  if (cached) return cached;
  const samples = index.split(split).samples;
  const mapper = index.mapper;
  const { encoding, root } = index.descriptor;
  const decoded = await scanSplit(index, split, onProgress ? { onProgress } : {});
  const presence = new Map<string, readonly number[]>();
  const problems: Problem[] = [];
  samples.forEach((s, i) => {
    const scan = decoded[i]!;
    // Keyed by the current mask's file: an edited sample is never served a scan of its original.
    const mask = index.currentMask(s).file;
    scans.set(mask, scan);
    const problem = valueProblem({ ...s, annotation: mask }, scan, mapper, encoding, root);
    if (problem) problems.push(problem);
    const ids = new Set<number>();
    for (const [key, count] of scan.histogram) {
      const id = mapper.idOfKey(key);
      if (id !== undefined && count > 0) ids.add(id);
    }
    presence.set(
      s.id,
      [...ids].sort((a, b) => a - b),
    );
  });
  await writeJsonAtomic(file, { presence: Object.fromEntries(presence), problems });
  return { presence, problems, scans };
}

/** A scanner for classStatistics that returns the scans already made, decoding only misses. */
export function reuseScans(scans: ReadonlyMap<string, MaskScan>): MaskScanner {
  return (file, encoding) => {
    const hit = scans.get(file);
    return hit ? Promise.resolve(hit) : scanMaskInProcess(file, encoding);
  };
}
