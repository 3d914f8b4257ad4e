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
}

export const VOID_INDEX = 255;

export async function loadIndexMap(url: string): Promise<IndexMap> {
  const { width, height, values } = await loadIndexValues(url);
  const present = new Set<number>(values);
  return {
    width,
    height,
    present,
    valueAt(u, v) {
      if (u < 0 || v < 0 || u >= 1 || v >= 1) return null;
      const x = Math.min(width - 1, Math.floor(u * width));
      const y = Math.min(height - 1, Math.floor(v * height));
      return values[y * width + x] ?? null;
    },
  };
}
