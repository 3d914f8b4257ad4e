/**
 * The pixel-level pass: annotations are decoded and each stored value counted (the counts feed
 * both the value check — ids/colours missing from the labels — and the class statistics), and
 * images are decoded the way training decodes them, so damage past the header (a scrambled or
 * checksum-failing IDAT, a chunk running past the end, broken JPEG data) is named here instead
 * of stopping a training run.
 */
import { readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import type { MaskEncoding } from '../../shared/dataset/descriptor';
import { checkPngChunks, decodePng8Sync } from './codecs/png-index';
import { decodeMask, keyHistogram, maskKeysFromPng8, rgbOf, type MaskKeys } from './decode';
import { sniffKind } from './headers';

export interface MaskScan {
  readonly width: number;
  readonly height: number;
  /** Sorted [key, pixelCount] pairs; keys as in decode.ts. */
  readonly histogram: [number, number][];
  /** A colour mask read as ids: its first pixel whose R, G and B differ (see decode.ts). */
  readonly colorPixel?: number;
}

/** The value counts of a decoded mask. */
export const scanOf = (mask: MaskKeys): MaskScan => ({
  width: mask.width,
  height: mask.height,
  histogram: keyHistogram(mask.keys),
  ...(mask.colorPixel !== undefined && { colorPixel: mask.colorPixel }),
});

export type MaskScanner = (file: string, encoding: MaskEncoding) => Promise<MaskScan>;

/** Decodes an image fully; resolves with its size, rejects with what is wrong. */
export type ImageChecker = (file: string) => Promise<{ width: number; height: number }>;

export const scanMaskInProcess: MaskScanner = async (file, encoding) =>
  scanOf(await decodeMask(file, encoding));

/**
 * The worker threads' scanner: 8-bit PNG masks (nearly all of them) are read and inflated
 * synchronously — a worker may block, and skipping two libuv round trips per mask is most of
 * the cost for small masks. Everything else goes the async way.
 */
export const scanMaskBlocking: MaskScanner = async (file, encoding) => {
  if (file.toLowerCase().endsWith('.png')) {
    const png = decodePng8Sync(readFileSync(file));
    if (png) return scanOf(maskKeysFromPng8(png, encoding));
  }
  return scanMaskInProcess(file, encoding);
};

/**
 * PNG chunks are checked by hand first (a precise reason: which chunk, which byte), then the
 * image goes through the same decoder training uses, which catches everything else.
 */
export const checkImageInProcess: ImageChecker = async (file) => {
  const bytes = await fs.readFile(file);
  if (sniffKind(bytes) === 'png') checkPngChunks(bytes);
  const rgb = await rgbOf(bytes);
  return { width: rgb.width, height: rgb.height };
};
