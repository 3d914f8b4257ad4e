import { describe, expect, it } from 'vitest';
import { createMask } from '../../renderer/src/editor/mask';
import { renderScreenRect } from '../../renderer/src/editor/screen-overlay';

// A 4x3 mask whose pixel (x, y) holds id y * 4 + x, coloured id + 1 (0 = transparent).
const mask = createMask(4, 3, 0);
for (let i = 0; i < 12; i++) mask.data[i] = i;
const lut = Uint32Array.from({ length: 256 }, (_, id) => id + 1);

function screen(w: number, h: number, view: { scale: number; x: number; y: number }, dpr = 1) {
  const pixels = new Uint32Array(w * h).fill(999);
  renderScreenRect(pixels, w, mask, view, dpr, { x: 0, y: 0, w, h }, lut);
  return Array.from({ length: h }, (_, y) => Array.from(pixels.subarray(y * w, (y + 1) * w)));
}

describe('screen-resolution overlay', () => {
  it('draws each mask pixel as a scale x scale block at the view offset, clear outside', () => {
    expect(screen(10, 7, { scale: 2, x: 1, y: 0 })).toEqual([
      [0, 1, 1, 2, 2, 3, 3, 4, 4, 0],
      [0, 1, 1, 2, 2, 3, 3, 4, 4, 0],
      [0, 5, 5, 6, 6, 7, 7, 8, 8, 0],
      [0, 5, 5, 6, 6, 7, 7, 8, 8, 0],
      [0, 9, 9, 10, 10, 11, 11, 12, 12, 0],
      [0, 9, 9, 10, 10, 11, 11, 12, 12, 0],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ]);
  });

  it('zoomed out, each device pixel takes the mask pixel under its centre', () => {
    // Device pixel (0, 0) covers mask pixels 0..1 x 0..1; its centre is mask pixel (1, 1).
    expect(screen(2, 2, { scale: 0.5, x: 0, y: 0 })).toEqual([
      [6, 8],
      [0, 0],
    ]);
  });

  it('counts device pixels at a device pixel ratio of 2', () => {
    expect(screen(4, 1, { scale: 1, x: 0, y: 0 }, 2)).toEqual([[1, 1, 2, 2]]);
  });

  it('writes only the rectangle asked for', () => {
    const pixels = new Uint32Array(8 * 6).fill(999);
    renderScreenRect(pixels, 8, mask, { scale: 2, x: 0, y: 0 }, 1, { x: 2, y: 2, w: 2, h: 1 }, lut);
    expect(pixels.filter((v) => v !== 999)).toEqual(Uint32Array.from([6, 6]));
    expect(Array.from(pixels.subarray(16, 20))).toEqual([999, 999, 6, 6]);
  });
});
