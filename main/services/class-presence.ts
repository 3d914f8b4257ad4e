import { z } from 'zod';
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
 */
const PresenceFile = z.record(z.string(), z.array(z.number().int()));

export interface PresenceResult {
  readonly presence: Map<string, readonly number[]>;
  /** Scans decoded during this call, by annotation path (empty when read from the cache). */
  readonly scans: Map<string, MaskScan>;
}

export async function classPresence(
  index: DatasetIndex,
  split: string,
  cacheDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<PresenceResult> {
  const file = splitCacheFile(index, split, cacheDir, 'presence');
  const scans = new Map<string, MaskScan>();
  const cached = await readJsonOrNull(file, PresenceFile);
  if (cached) return { presence: new Map(Object.entries(cached)), scans };
  const samples = index.split(split).samples;
  const mapper = index.mapper;
  const decoded = await scanSplit(index, split, onProgress ? { onProgress } : {});
  const presence = new Map<string, readonly number[]>();
  samples.forEach((s, i) => {
    const scan = decoded[i]!;
    // Keyed by the current mask's file: an edited sample is never served a scan of its original.
    scans.set(index.currentMask(s).file, scan);
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
  await writeJsonAtomic(file, Object.fromEntries(presence));
  return { presence, scans };
}

/** A scanner for classStatistics that returns the scans already made, decoding only misses. */
export function reuseScans(scans: ReadonlyMap<string, MaskScan>): MaskScanner {
  return (file, encoding) => {
    const hit = scans.get(file);
    return hit ? Promise.resolve(hit) : scanMaskInProcess(file, encoding);
  };
}
