/**
 * A greyscale index PNG (pixel value = training index, 255 = void) decoded once into memory so
 * hovering can read the class under the cursor without touching the canvas again.
 */
import { loadIndexValues } from './pixels';

export interface IndexMap {
  readonly width: number;
  readonly height: number;
  /** Value at normalised coordinates (0..1); null outside the image. */
  valueAt(u: number, v: number): number | null;
  /** Every value that occurs in the map (training indices present, plus 255 for void). */
  readonly present: ReadonlySet<number>;
  /** The values, row-major (for drawing the map again, e.g. with some classes hidden). */
  readonly values: Uint8Array;
}

export const VOID_INDEX = 255;

export async function loadIndexMap(url: string): Promise<IndexMap> {
  const { width, height, values } = await loadIndexValues(url);
  const present = new Set<number>(values);
  return {
    width,
    height,
    present,
    values,
    valueAt(u, v) {
      if (u < 0 || v < 0 || u >= 1 || v >= 1) return null;
      const x = Math.min(width - 1, Math.floor(u * width));
      const y = Math.min(height - 1, Math.floor(v * height));
      return values[y * width + x] ?? null;
    },
  };
}

/**
 * The map drawn with `lut` (one packed RGBA word per value, see editor/overlay.ts colourTable)
 * as an object URL; the caller revokes it when it is no longer shown.
 */
export async function drawIndexMap(map: IndexMap, lut: Uint32Array): Promise<string> {
  const canvas = document.createElement('canvas');
  canvas.width = map.width;
  canvas.height = map.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('Canvas 2D is not available in this browser');
  const image = ctx.createImageData(map.width, map.height);
  const words = new Uint32Array(image.data.buffer);
  for (let p = 0; p < map.values.length; p++) words[p] = lut[map.values[p]!] ?? 0;
  ctx.putImageData(image, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The mask could not be drawn');
  return URL.createObjectURL(blob);
}
