import type { MaskEncoding } from '../../shared/dataset/descriptor';
import { readFileSync } from 'node:fs';
import { decodePng8Sync } from './codecs/png-index';
import { decodeMask, keyHistogram, maskKeysFromPng8 } from './decode';

/**
 * The pixel-level pass over annotations: decode, count each stored value. The result feeds
 * both the value check (ids/colours missing from the labels) and the class statistics.
 */
export interface MaskScan {
  readonly width: number;
  readonly height: number;
  /** Sorted [key, pixelCount] pairs; keys as in decode.ts. */
  readonly histogram: [number, number][];
}

export type MaskScanner = (file: string, encoding: MaskEncoding) => Promise<MaskScan>;

export const scanMaskInProcess: MaskScanner = async (file, encoding) => {
  const mask = await decodeMask(file, encoding);
  return { width: mask.width, height: mask.height, histogram: keyHistogram(mask.keys) };
};

/**
 * The worker threads' scanner: 8-bit PNG masks (nearly all of them) are read and inflated
 * synchronously — a worker may block, and skipping two libuv round trips per mask is most of
 * the cost for small masks. Everything else goes the async way.
 */
export const scanMaskBlocking: MaskScanner = async (file, encoding) => {
  if (file.toLowerCase().endsWith('.png')) {
    const png = decodePng8Sync(readFileSync(file));
    if (png) {
      const mask = maskKeysFromPng8(png, encoding);
      return { width: mask.width, height: mask.height, histogram: keyHistogram(mask.keys) };
    }
  }
  return scanMaskInProcess(file, encoding);
};
