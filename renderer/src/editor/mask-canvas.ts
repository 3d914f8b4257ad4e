/**
 * The mask overlay of a mask of up to a megapixel (CamVid frames): one canvas at mask
 * resolution, CSS-scaled with the image. Bigger masks are drawn at screen resolution instead
 * (screen-overlay.ts): without a GPU Chromium copies every canvas to the compositor on each
 * frame that changes anything, which for a 4096x3072 canvas took ~25 ms a frame, and ~12 ms
 * when split into 512 px tiles (traced with `npm run bench:editor -- --trace DIR`).
 */
import type { LabelMask, Rect } from './mask';
import { renderRect } from './overlay';

/** Masks of at most this many pixels are drawn at mask resolution. */
export const MASK_CANVAS_PIXELS = 1024 * 1024;

/**
 * A canvas for one mask inside `host` (an element the size of the image in CSS px), and the
 * mask-sized RGBA buffer it is drawn from. `paint(rect)` re-colours the rectangle from the
 * mask and copies it to the canvas; `dispose()` removes the canvas.
 */
export class MaskCanvas {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly image: ImageData;
  private readonly pixels: Uint32Array;

  constructor(
    host: HTMLElement,
    private readonly mask: LabelMask,
    attrs: Record<string, string> = {},
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = mask.width;
    this.canvas.height = mask.height;
    Object.assign(this.canvas.style, {
      position: 'absolute',
      inset: '0',
      width: '100%',
      height: '100%',
      imageRendering: 'pixelated',
    });
    for (const [k, v] of Object.entries(attrs)) this.canvas.setAttribute(k, v);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('This browser gave no 2D canvas for the mask overlay');
    ctx.imageSmoothingEnabled = false;
    this.ctx = ctx;
    host.appendChild(this.canvas);
    this.image = new ImageData(mask.width, mask.height);
    this.pixels = new Uint32Array(this.image.data.buffer);
  }

  /** Re-colours `rect` of the mask (all of it when null) and copies it to the canvas. */
  paint(rect: Rect | null, lut: Uint32Array): void {
    const m = this.mask;
    const r = rect ?? { x: 0, y: 0, w: m.width, h: m.height };
    renderRect(this.pixels, m, r, lut);
    this.ctx.putImageData(this.image, 0, 0, r.x, r.y, r.w, r.h);
  }

  dispose(): void {
    this.canvas.remove();
  }
}
