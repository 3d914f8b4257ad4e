/**
 * The mask overlay as a grid of canvases. Chromium hands a canvas that changed to the
 * compositor whole: without a GPU it copies the canvas's entire bitmap every frame it changes
 * (~25 ms a frame for 4096x3072, measured with `npm run bench:editor -- --trace`), so a stroke on
 * a big mask cost a copy of the whole mask per frame however small the dab. Split into 512 px
 * tiles, a frame copies only the tiles the stroke touched. Masks up to one megapixel stay one
 * canvas (the copy is cheap there, and tests read that canvas's pixels directly).
 * Each tile is its own compositing layer (`will-change`): an unaccelerated canvas is otherwise
 * painted into its parent's layer, and any repaint there (a tile changing, the brush outline
 * moving) snapshots every canvas in it again.
 */
import type { LabelMask, Rect } from './mask';
import { renderRect } from './overlay';

export const TILE_PX = 512;
/** Masks of at most this many pixels are drawn on a single canvas. */
export const SINGLE_CANVAS_PIXELS = 1024 * 1024;

/** The tiles covering a width x height mask, row by row (one tile for small masks). */
export function tileGrid(width: number, height: number): Rect[] {
  if (width * height <= SINGLE_CANVAS_PIXELS) return [{ x: 0, y: 0, w: width, h: height }];
  const tiles: Rect[] = [];
  for (let y = 0; y < height; y += TILE_PX) {
    for (let x = 0; x < width; x += TILE_PX) {
      tiles.push({ x, y, w: Math.min(TILE_PX, width - x), h: Math.min(TILE_PX, height - y) });
    }
  }
  return tiles;
}

/** The part of `a` inside `b`, or null when they do not overlap. */
export function intersect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const w = Math.min(a.x + a.w, b.x + b.w) - x;
  const h = Math.min(a.y + a.h, b.y + b.h) - y;
  return w > 0 && h > 0 ? { x, y, w, h } : null;
}

interface Tile {
  readonly rect: Rect;
  readonly canvas: HTMLCanvasElement;
  readonly ctx: CanvasRenderingContext2D;
}

/**
 * Canvases for one mask inside `host` (an element the size of the image in CSS px), and the
 * mask-sized RGBA buffer they are drawn from. `paint(rect)` re-colours the rectangle from the
 * mask and copies it into the tiles it crosses; `dispose()` removes the canvases.
 */
export class TiledOverlay {
  private readonly tiles: Tile[] = [];
  private readonly image: ImageData;
  private readonly pixels: Uint32Array;

  constructor(
    host: HTMLElement,
    private readonly mask: LabelMask,
    /** Set on the canvas when there is only one (the test hook for small masks). */
    singleCanvasAttrs: Record<string, string> = {},
  ) {
    const grid = tileGrid(mask.width, mask.height);
    for (const rect of grid) {
      const canvas = document.createElement('canvas');
      canvas.width = rect.w;
      canvas.height = rect.h;
      canvas.className = 'tile';
      Object.assign(canvas.style, {
        position: 'absolute',
        left: `${rect.x}px`,
        top: `${rect.y}px`,
        width: `${rect.w}px`,
        height: `${rect.h}px`,
        imageRendering: 'pixelated',
        willChange: 'transform',
      });
      if (grid.length === 1) {
        for (const [k, v] of Object.entries(singleCanvasAttrs)) canvas.setAttribute(k, v);
      }
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('This browser gave no 2D canvas for the mask overlay');
      ctx.imageSmoothingEnabled = false;
      host.appendChild(canvas);
      this.tiles.push({ rect, canvas, ctx });
    }
    this.image = new ImageData(mask.width, mask.height);
    this.pixels = new Uint32Array(this.image.data.buffer);
  }

  /** The tile canvases, row by row. */
  get canvases(): HTMLCanvasElement[] {
    return this.tiles.map((t) => t.canvas);
  }

  /** Re-colours `rect` of the mask (all of it when null) and copies it into its tiles. */
  paint(rect: Rect | null, lut: Uint32Array): void {
    const m = this.mask;
    const r = rect ?? { x: 0, y: 0, w: m.width, h: m.height };
    renderRect(this.pixels, m, r, lut);
    for (const t of this.tiles) {
      const part = intersect(r, t.rect);
      if (part)
        t.ctx.putImageData(this.image, -t.rect.x, -t.rect.y, part.x, part.y, part.w, part.h);
    }
  }

  dispose(): void {
    for (const t of this.tiles) t.canvas.remove();
    this.tiles.length = 0;
  }
}
