import type { MaskEncoding } from '../../shared/dataset/descriptor';
import { decodeMask, keyHistogram } from './decode';

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
