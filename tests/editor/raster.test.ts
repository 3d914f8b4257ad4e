import { describe, expect, it } from 'vitest';
import { Edit } from '../../renderer/src/editor/edit';
import { createMask, histogram } from '../../renderer/src/editor/mask';
import { colourTable, packRgba, renderRect } from '../../renderer/src/editor/overlay';
import { brushCentre, sweepSpans } from '../../renderer/src/editor/raster/brush';
import { floodSpans, sameClass, similarColour } from '../../renderer/src/editor/raster/flood';
import { polygonSpans } from '../../renderer/src/editor/raster/polygon';
import { groupPixels, slic } from '../../renderer/src/editor/raster/slic';

function paint(width: number, height: number, draw: (edit: Edit) => void) {
  const mask = createMask(width, height, 0);
  const edit = new Edit(mask, { voidId: 0, mode: 'overwrite' });
  draw(edit);
  return mask;
}

describe('brush geometry', () => {
  it('size 1 paints exactly the pixel under the pointer', () => {
    const mask = paint(9, 9, (e) => {
      const c = brushCentre({ x: 4.7, y: 3.2 }, 1);
      sweepSpans(c, c, 1, 'round', 9, (y, a, b) => e.span(y, a, b, 1));
    });
    expect(histogram(mask).get(1)).toBe(1);
    expect(mask.data[3 * 9 + 4]).toBe(1);
  });

  it('a round dab is a symmetric disc with about pi r^2 pixels and hard edges', () => {
    const mask = paint(101, 101, (e) => {
      const c = brushCentre({ x: 50.2, y: 50.9 }, 41);
      sweepSpans(c, c, 41, 'round', 101, (y, a, b) => e.span(y, a, b, 3));
    });
    const count = histogram(mask).get(3)!;
    expect(Math.abs(count - Math.PI * 20.5 * 20.5) / count).toBeLessThan(0.02);
    for (let y = 0; y < 101; y++)
      for (let x = 0; x < 101; x++)
        expect(mask.data[y * 101 + x]).toBe(mask.data[(100 - y) * 101 + (100 - x)]);
    expect(new Set(mask.data)).toEqual(new Set([0, 3]));
  });

  it('a fast diagonal stroke leaves no gaps: every pixel within r of the segment is painted', () => {
    const a = { x: 5.5, y: 5.5 };
    const b = { x: 90.5, y: 60.5 };
    const mask = paint(100, 70, (e) =>
      sweepSpans(a, b, 7, 'round', 70, (y, x0, x1) => e.span(y, x0, x1, 1)),
    );
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    for (let y = 0; y < 70; y++) {
      for (let x = 0; x < 100; x++) {
        const px = x + 0.5 - a.x;
        const py = y + 0.5 - a.y;
        const t = Math.max(0, Math.min(len, (px * (b.x - a.x) + py * (b.y - a.y)) / len));
        const d = Math.hypot(px - (t * (b.x - a.x)) / len, py - (t * (b.y - a.y)) / len);
        if (d < 3.49) expect(mask.data[y * 100 + x], `${x},${y}`).toBe(1);
        if (d > 3.51) expect(mask.data[y * 100 + x], `${x},${y}`).toBe(0);
      }
    }
  });

  it('a square dab of size 4 is a 4x4 block', () => {
    const mask = paint(10, 10, (e) => {
      const c = brushCentre({ x: 5.2, y: 4.9 }, 4);
      sweepSpans(c, c, 4, 'square', 10, (y, a, b) => e.span(y, a, b, 1));
    });
    expect(histogram(mask).get(1)).toBe(16);
    expect(mask.data[3 * 10 + 3]).toBe(1);
    expect(mask.data[6 * 10 + 6]).toBe(1);
  });
});

describe('fills', () => {
  it('polygon fill covers the pixels whose centres are inside', () => {
    const mask = paint(20, 20, (e) =>
      polygonSpans(
        [
          { x: 2, y: 2 },
          { x: 12, y: 2 },
          { x: 12, y: 7 },
          { x: 2, y: 7 },
        ],
        20,
        20,
        (y, a, b) => e.span(y, a, b, 4),
      ),
    );
    expect(histogram(mask).get(4)).toBe(50);
    const tri = paint(20, 20, (e) =>
      polygonSpans(
        [
          { x: 0, y: 0 },
          { x: 20, y: 0 },
          { x: 0, y: 20 },
        ],
        20,
        20,
        (y, a, b) => e.span(y, a, b, 1),
      ),
    );
    // x + y < 19 strictly inside (190) plus the 20 centres exactly on the hypotenuse.
    expect(histogram(tri).get(1)).toBe(210);
  });

  it('contiguous flood stays in its region; global fill takes every match', () => {
    const mask = createMask(10, 5, 0);
    for (let y = 0; y < 5; y++) mask.data[y * 10 + 4] = 9; // a wall at x = 4
    const contiguous: [number, number, number][] = [];
    floodSpans(10, 5, 1, 1, sameClass(mask.data, 11), true, (y, a, b) =>
      contiguous.push([y, a, b]),
    );
    expect(contiguous.reduce((n, [, a, b]) => n + b - a + 1, 0)).toBe(20);
    const all: [number, number, number][] = [];
    floodSpans(10, 5, 1, 1, sameClass(mask.data, 11), false, (y, a, b) => all.push([y, a, b]));
    expect(all.reduce((n, [, a, b]) => n + b - a + 1, 0)).toBe(45);
  });

  it('flood by image colour respects the tolerance', () => {
    const rgba = new Uint8Array(4 * 4 * 4);
    for (let i = 0; i < 16; i++) rgba.set([100 + (i % 4) * 10, 50, 50, 255], i * 4);
    let count = 0;
    floodSpans(4, 4, 0, 0, similarColour(rgba, 0, 15), true, (_y, a, b) => (count += b - a + 1));
    expect(count).toBe(8);
  });
});

describe('superpixels and overlay', () => {
  it('SLIC covers every pixel with connected cells that follow a colour edge', () => {
    const w = 60;
    const h = 40;
    const rgba = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        rgba.set(x < 23 ? [200, 30, 30, 255] : [20, 40, 220, 255], (y * w + x) * 4);
    const sp = slic(rgba, w, h, { size: 10 });
    expect(sp.count).toBeGreaterThan(10);
    expect(sp.count).toBeLessThan(60);
    const { start, order } = groupPixels(sp);
    expect(start[sp.count]).toBe(w * h);
    for (let s = 0; s < sp.count; s++) {
      const xs = Array.from(order.subarray(start[s]!, start[s + 1]!), (i) => i % w);
      // No cell straddles the red/blue edge at x = 23.
      expect(xs.every((x) => x < 23) || xs.every((x) => x >= 23)).toBe(true);
    }
  });

  it('renders only the dirty rectangle through the colour table; void is transparent', () => {
    const mask = createMask(4, 2, 11);
    mask.data[1] = 0;
    mask.data[5] = 1;
    const lut = colourTable(
      [
        { id: 0, color: [10, 20, 30] },
        { id: 1, color: [40, 50, 60] },
        { id: 11, color: [0, 0, 0], void: true },
      ],
      11,
    );
    const pixels = new Uint32Array(8).fill(7);
    renderRect(pixels, mask, { x: 1, y: 0, w: 1, h: 2 }, lut);
    expect(Array.from(pixels)).toEqual([
      7,
      packRgba(10, 20, 30, 255),
      7,
      7,
      7,
      packRgba(40, 50, 60, 255),
      7,
      7,
    ]);
    renderRect(pixels, mask, { x: 0, y: 0, w: 1, h: 1 }, lut);
    expect(pixels[0]).toBe(0);
  });
});
