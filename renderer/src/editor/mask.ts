/**
 * The mask the editor paints: one class id per pixel in the dataset's own id space (the ids of
 * labels.json / the class list, not training indices). 8-bit while every id fits, 16-bit when a
 * dataset uses ids above 255. Pure data, no DOM, so every tool is testable in Node.
 */

export type MaskArray = Uint8Array | Uint16Array;

export interface LabelMask {
  readonly width: number;
  readonly height: number;
  readonly data: MaskArray;
}

/** The pixel under an image-space point: its column, row and index, or null outside the mask. */
export function pixelAt(
  mask: LabelMask,
  p: { readonly x: number; readonly y: number },
): { x: number; y: number; index: number } | null {
  const x = Math.floor(p.x);
  const y = Math.floor(p.y);
  if (x < 0 || y < 0 || x >= mask.width || y >= mask.height) return null;
  return { x, y, index: y * mask.width + x };
}

/** Half-open pixel rectangle: x..x+w-1, y..y+h-1. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export function arrayFor(maxId: number, length: number): MaskArray {
  return maxId > 255 ? new Uint16Array(length) : new Uint8Array(length);
}

export function createMask(width: number, height: number, fill: number, maxId = fill): LabelMask {
  const data = arrayFor(Math.max(maxId, fill), width * height);
  if (fill !== 0) data.fill(fill);
  return { width, height, data };
}

export function cloneMask(mask: LabelMask): LabelMask {
  return { width: mask.width, height: mask.height, data: mask.data.slice() };
}

/** Smallest rectangle holding both (an empty rect is the identity). */
export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a || a.w <= 0 || a.h <= 0) return b;
  if (!b || b.w <= 0 || b.h <= 0) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    w: Math.max(a.x + a.w, b.x + b.w) - x,
    h: Math.max(a.y + a.h, b.y + b.h) - y,
  };
}

/** The part of `r` inside a width x height image, or null when nothing is left. */
export function clipRect(r: Rect, width: number, height: number): Rect | null {
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(width, Math.ceil(r.x + r.w));
  const y1 = Math.min(height, Math.ceil(r.y + r.h));
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Copies the pixels of `rect` out of a mask (row-major, rect.w x rect.h). */
export function readRect(mask: LabelMask, rect: Rect): MaskArray {
  const out =
    mask.data instanceof Uint16Array
      ? new Uint16Array(rect.w * rect.h)
      : new Uint8Array(rect.w * rect.h);
  for (let row = 0; row < rect.h; row++) {
    const start = (rect.y + row) * mask.width + rect.x;
    out.set(mask.data.subarray(start, start + rect.w), row * rect.w);
  }
  return out;
}

/** Writes `values` (rect.w x rect.h, row-major) into the mask. */
export function writeRect(mask: LabelMask, rect: Rect, values: MaskArray): void {
  for (let row = 0; row < rect.h; row++) {
    const start = (rect.y + row) * mask.width + rect.x;
    mask.data.set(values.subarray(row * rect.w, (row + 1) * rect.w), start);
  }
}

/** Every id that occurs in the mask, with its pixel count. */
export function histogram(mask: LabelMask): Map<number, number> {
  const counts = new Map<number, number>();
  const data = mask.data;
  let last = -1;
  let run = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v === last) {
      run++;
      continue;
    }
    if (run) counts.set(last, (counts.get(last) ?? 0) + run);
    last = v;
    run = 1;
  }
  if (run) counts.set(last, (counts.get(last) ?? 0) + run);
  return counts;
}

/** A mask that can hold `id`: the same mask, or a 16-bit copy when an 8-bit one cannot. */
export function widenFor(mask: LabelMask, id: number): LabelMask {
  if (id <= 255 || mask.data instanceof Uint16Array) return mask;
  return { width: mask.width, height: mask.height, data: Uint16Array.from(mask.data) };
}
