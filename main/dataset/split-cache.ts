import { createHash } from 'node:crypto';
import path from 'node:path';
import type { DatasetIndex } from './dataset-index';

/**
 * Cache file for something computed from every annotation of a split (class statistics, class
 * presence). The name hashes the class mapping and each annotation's path, size and mtime, so
 * any edit to a mask or to the classes misses the cache, and nothing else does.
 */
export function splitCacheFile(
  index: DatasetIndex,
  split: string,
  cacheDir: string,
  prefix: string,
): string {
  const d = index.descriptor;
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({ v: 1, classes: d.classes, encoding: d.encoding, rgb: d.rgbMapping ?? null }),
  );
  for (const s of index.split(split).samples) {
    // The current mask's stamp: a saved edit (label-source seam) misses the cache.
    hash.update(`\n${index.currentMask(s).stamp}`);
  }
  const safe = split.replace(/[^\w.-]/g, '_');
  return path.join(cacheDir, `${prefix}-${safe}-${hash.digest('hex').slice(0, 32)}.json`);
}
