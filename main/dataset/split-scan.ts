import { mapLimit } from './concurrency';
import { createDecodePool, POOL_THRESHOLD } from './decode-pool';
import type { DatasetIndex } from './dataset-index';
import { scanKey } from './records';
import { scanMaskInProcess, scanOf, type MaskScan, type MaskScanner } from './scan';

export interface SplitScanOptions {
  /** How to decode a mask; default: the decode pool when many masks are missing, else in-process. */
  readonly scanner?: MaskScanner;
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Every usable annotation of a split, scanned once, in list order: taken from the index when a
 * deep open already decoded it, otherwise decoded — in worker threads when there are enough
 * masks to pay for them, so the host process's JS thread stays free.
 */
export async function scanSplit(
  index: DatasetIndex,
  split: string,
  options: SplitScanOptions = {},
): Promise<MaskScan[]> {
  const samples = index.split(split).samples;
  const edited = (s: (typeof samples)[number]) => index.currentMask(s).origin === 'edit';
  const missing = samples.filter((s) => !edited(s) && !index.scans.has(scanKey(s))).length;
  const pool = options.scanner || missing < POOL_THRESHOLD ? null : createDecodePool();
  const scanner = options.scanner ?? pool?.scan ?? scanMaskInProcess;
  const encoding = index.descriptor.encoding;
  let done = 0;
  options.onProgress?.(0, samples.length);
  return mapLimit(
    samples,
    options.concurrency ?? Math.max(4, (pool?.workers ?? 1) * 4),
    async (s) => {
      // Edited masks (label-source seam) are read here; the deep-open scans describe the files.
      const scan = edited(s)
        ? scanOf(await index.readMask(s))
        : (index.scans.get(scanKey(s)) ?? (await scanner(s.annotation, encoding)));
      options.onProgress?.(++done, samples.length);
      return scan;
    },
    undefined,
    options.signal,
  ).finally(() => pool?.close());
}
