import { describe, expect, it } from 'vitest';
import {
  intersect,
  SINGLE_CANVAS_PIXELS,
  TILE_PX,
  tileGrid,
} from '../../renderer/src/editor/tiles';

/** How many tiles cover each pixel of a width x height mask. */
function coverage(width: number, height: number): Uint8Array {
  const seen = new Uint8Array(width * height);
  for (const t of tileGrid(width, height)) {
    for (let y = t.y; y < t.y + t.h; y++)
      for (let x = t.x; x < t.x + t.w; x++) seen[y * width + x]!++;
  }
  return seen;
}

describe('overlay tiles', () => {
  it('keeps masks of up to a megapixel on one canvas (CamVid frames)', () => {
    expect(tileGrid(480, 360)).toEqual([{ x: 0, y: 0, w: 480, h: 360 }]);
    expect(tileGrid(1024, 1024)).toHaveLength(1);
    expect(1024 * 1024).toBe(SINGLE_CANVAS_PIXELS);
  });

  it('splits a 4096x3072 mask into 512 px tiles covering every pixel once', () => {
    const grid = tileGrid(4096, 3072);
    expect(grid).toHaveLength(8 * 6);
    expect(grid.every((t) => t.w === TILE_PX && t.h === TILE_PX)).toBe(true);
    expect(coverage(4096, 3072).every((n) => n === 1)).toBe(true);
  });

  it('clips the last row and column of tiles to sizes that are not multiples of the tile', () => {
    const grid = tileGrid(1500, 1100);
    expect(grid).toHaveLength(3 * 3);
    expect(grid.at(-1)).toEqual({ x: 1024, y: 1024, w: 476, h: 76 });
    expect(coverage(1500, 1100).every((n) => n === 1)).toBe(true);
  });

  it('intersects rectangles, and gives null when they only touch or are apart', () => {
    const tile = { x: 512, y: 0, w: 512, h: 512 };
    expect(intersect({ x: 500, y: 10, w: 30, h: 5 }, tile)).toEqual({ x: 512, y: 10, w: 18, h: 5 });
    expect(intersect({ x: 0, y: 0, w: 512, h: 512 }, tile)).toBeNull();
    expect(intersect({ x: 2000, y: 2000, w: 5, h: 5 }, tile)).toBeNull();
  });
});
