/**
 * Drawing the mask: a colour table maps each class id to one packed RGBA word, and only the
 * dirty rectangle of the RGBA buffer is rewritten, so a brush dab on a 12-megapixel mask costs
 * the dab's area, not the image's.
 */
import type { LabelMask, Rect } from './mask';

export interface ColourClass {
  readonly id: number;
  readonly color: readonly [number, number, number];
  readonly void?: boolean;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function packRgba(r: number, g: number, b: number, a: number): number {
  return littleEndian
    ? ((a << 24) | (b << 16) | (g << 8) | r) >>> 0
    : ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
}

/**
 * One word per id up to the largest id (unknown ids magenta so they stand out); void and the
 * `hidden` ids are transparent.
 */
export function colourTable(
  classes: readonly ColourClass[],
  maxId: number,
  hidden: ReadonlySet<number> = new Set(),
): Uint32Array {
  const size = Math.max(maxId, ...classes.map((c) => c.id)) + 1;
  const lut = new Uint32Array(Math.max(256, size)).fill(packRgba(255, 0, 255, 255));
  for (const c of classes) {
    lut[c.id] = c.void || hidden.has(c.id) ? 0 : packRgba(c.color[0], c.color[1], c.color[2], 255);
  }
  return lut;
}

/** Rewrites `rect` of `pixels` (the mask-sized RGBA buffer viewed as words) from the mask. */
export function renderRect(
  pixels: Uint32Array,
  mask: LabelMask,
  rect: Rect,
  lut: Uint32Array,
): void {
  const { width, data } = mask;
  const fallback = packRgba(255, 0, 255, 255);
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    let i = y * width + rect.x;
    const end = i + rect.w;
    for (; i < end; i++) pixels[i] = lut[data[i]!] ?? fallback;
  }
}
