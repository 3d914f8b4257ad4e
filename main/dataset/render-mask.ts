import sharp from 'sharp';
import type { ClassDef } from '../../shared/dataset/descriptor';
import { VOID_COLOR } from '../../shared/dataset/palette';
import { IGNORE_LABEL, type SourceClass } from './source';

export interface LabelMap {
  readonly width: number;
  readonly height: number;
  /** Training index per pixel, IGNORE_LABEL for void (as DecodedSample.label), or raw ids. */
  readonly label: Uint8Array;
}

/**
 * Colours per pixel value. With SourceClass[] the values are training indices (a loaded or
 * predicted label); with the descriptor's ClassDef[] they are raw dataset ids (a mask as
 * stored, ids 0..255). Void and unknown values render black.
 */
function colorTable(classes: readonly SourceClass[] | readonly ClassDef[]): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(VOID_COLOR, i * 3);
  for (const c of classes) {
    const value = 'index' in c ? c.index : c.void ? -1 : c.id;
    if (value >= 0 && value < 256 && value !== IGNORE_LABEL) lut.set(c.color, value * 3);
  }
  return lut;
}

/** RGB pixels of a label map in the classes' display colours (void black). */
export function renderMaskRgb(
  mask: LabelMap,
  classes: readonly SourceClass[] | readonly ClassDef[],
): Uint8Array {
  const lut = colorTable(classes);
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
  classes: readonly SourceClass[] | readonly ClassDef[],
): Promise<Buffer> {
  return sharp(renderMaskRgb(mask, classes), {
    raw: { width: mask.width, height: mask.height, channels: 3 },
  })
    .png()
    .toBuffer();
}

/** Longest side of a Browse thumbnail and of the class overlays drawn over it. */
export const THUMB_SIZE = 192;

/**
 * A label map (training indices) as the overlay Browse draws over a thumbnail: RGBA in the
 * classes' colours, void and unknown values transparent so the image shows through, resized
 * (nearest, never blending two classes) to fit inside `size` like the thumbnail itself.
 */
export async function renderOverlayThumbPng(
  mask: LabelMap,
  classes: readonly SourceClass[],
  size = THUMB_SIZE,
): Promise<Buffer> {
  const rgb = renderMaskRgb(mask, classes);
  const known = new Set(classes.map((c) => c.index));
  const rgba = new Uint8Array(mask.width * mask.height * 4);
  for (let p = 0; p < mask.label.length; p++) {
    rgba.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
    const value = mask.label[p]!;
    rgba[p * 4 + 3] = value !== IGNORE_LABEL && known.has(value) ? 255 : 0;
  }
  return sharp(rgba, { raw: { width: mask.width, height: mask.height, channels: 4 } })
    .resize(size, size, { fit: 'inside', kernel: 'nearest' })
    .png()
    .toBuffer();
}
