import sharp from 'sharp';
import { VOID_COLOR } from '../../shared/dataset/palette';
import { IGNORE_LABEL, type SourceClass } from './source';

export interface LabelMap {
  readonly width: number;
  readonly height: number;
  /** Training index per pixel, IGNORE_LABEL for void (as DecodedSample.label). */
  readonly label: Uint8Array;
}

/** RGB pixels of a label map in the classes' display colours (void black). */
export function renderMaskRgb(mask: LabelMap, classes: readonly SourceClass[]): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(VOID_COLOR, i * 3);
  for (const c of classes) if (c.index !== IGNORE_LABEL) lut.set(c.color, c.index * 3);
  const out = new Uint8Array(mask.width * mask.height * 3);
  for (let p = 0; p < mask.label.length; p++) {
    const o = mask.label[p]! * 3;
    out[p * 3] = lut[o]!;
    out[p * 3 + 1] = lut[o + 1]!;
    out[p * 3 + 2] = lut[o + 2]!;
  }
  return out;
}

/** The colour PNG the UI shows for a ground-truth or predicted mask. */
export async function renderMaskPng(
  mask: LabelMap,
  classes: readonly SourceClass[],
): Promise<Buffer> {
  return sharp(renderMaskRgb(mask, classes), {
    raw: { width: mask.width, height: mask.height, channels: 3 },
  })
    .png()
    .toBuffer();
}
