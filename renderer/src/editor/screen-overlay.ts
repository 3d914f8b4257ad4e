/**
 * The mask overlay of a big mask, drawn at screen resolution: one canvas the size of the
 * viewport (in device px), each of its pixels the mask pixel under it (nearest, like
 * `image-rendering: pixelated`). Chromium without a GPU copies every canvas of the page to the
 * compositor on each frame that changes anything, so a 12-megapixel overlay, whole or in
 * tiles, cost a 48 MB copy plus a 12 MP downscale per frame of a stroke; the viewport's ~1 MP
 * costs a tenth. An edit repaints the screen rectangle its image rectangle covers; a zoom, pan
 * or resize repaints the whole canvas.
 */
import type { LabelMask, Rect } from './mask';
import { packRgba } from './overlay';

const UNKNOWN = packRgba(255, 0, 255, 255);

export interface ViewTransform {
  /** CSS px per image px. */
  readonly scale: number;
  /** Where image pixel (0, 0) sits in the viewport, CSS px. */
  readonly x: number;
  readonly y: number;
}

export class ScreenOverlay {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private image: ImageData | null = null;
  private pixels: Uint32Array | null = null;
  private dpr = 1;
  private view: ViewTransform = { scale: 1, x: 0, y: 0 };

  constructor(
    host: HTMLElement,
    private readonly mask: LabelMask,
  ) {
    this.canvas = document.createElement('canvas');
    Object.assign(this.canvas.style, {
      position: 'absolute',
      left: '0',
      top: '0',
      pointerEvents: 'none',
      transformOrigin: '0 0',
      imageRendering: 'pixelated',
    });
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('This browser gave no 2D canvas for the mask overlay');
    this.ctx = ctx;
    host.appendChild(this.canvas);
  }

  /** Sizes the canvas to a `width` x `height` CSS px viewport at `dpr` and repaints it all. */
  layout(width: number, height: number, dpr: number, view: ViewTransform, lut: Uint32Array): void {
    const w = Math.max(1, Math.round(width * dpr));
    const h = Math.max(1, Math.round(height * dpr));
    this.dpr = dpr;
    this.view = { ...view };
    // Inside the image's transformed layer: undo that transform, so the canvas covers the
    // viewport exactly (and stays below the outline and heat layers drawn after it).
    this.canvas.style.transform = `scale(${1 / view.scale}) translate(${-view.x}px, ${-view.y}px)`;
    if (this.canvas.width !== w || this.canvas.height !== h || !this.image) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.canvas.style.width = `${w / dpr}px`;
      this.canvas.style.height = `${h / dpr}px`;
      this.image = new ImageData(w, h);
      this.pixels = new Uint32Array(this.image.data.buffer);
    }
    this.paintScreen({ x: 0, y: 0, w, h }, lut);
  }

  /** Repaints what the image rectangle `rect` covers on screen (everything when null). */
  paint(rect: Rect | null, lut: Uint32Array): void {
    if (!this.image) return;
    if (!rect)
      return this.paintScreen({ x: 0, y: 0, w: this.image.width, h: this.image.height }, lut);
    const { scale, x, y } = this.view;
    const k = scale * this.dpr;
    const x0 = Math.max(0, Math.floor(rect.x * k + x * this.dpr));
    const y0 = Math.max(0, Math.floor(rect.y * k + y * this.dpr));
    const x1 = Math.min(this.image.width, Math.ceil((rect.x + rect.w) * k + x * this.dpr));
    const y1 = Math.min(this.image.height, Math.ceil((rect.y + rect.h) * k + y * this.dpr));
    if (x1 > x0 && y1 > y0) this.paintScreen({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, lut);
  }

  /** Fills device-px rectangle `r` of the canvas from the mask, then copies it out. */
  private paintScreen(r: Rect, lut: Uint32Array): void {
    const image = this.image!;
    renderScreenRect(this.pixels!, image.width, this.mask, this.view, this.dpr, r, lut);
    this.ctx.putImageData(image, 0, 0, r.x, r.y, r.w, r.h);
  }

  dispose(): void {
    this.canvas.remove();
  }
}

/**
 * Writes device-px rectangle `r` of a screen buffer (`stride` px a row) from the mask seen
 * through `view` at `dpr`: each device pixel gets the colour of the mask pixel under its
 * centre, transparent outside the mask.
 */
export function renderScreenRect(
  pixels: Uint32Array,
  stride: number,
  mask: LabelMask,
  view: ViewTransform,
  dpr: number,
  r: Rect,
  lut: Uint32Array,
): void {
  const { width, height, data } = mask;
  const k = view.scale * dpr;
  // The image column under each device column of the rectangle (-1 outside the mask).
  const columns = new Int32Array(r.w);
  for (let i = 0; i < r.w; i++) {
    const ix = Math.floor((r.x + i + 0.5 - view.x * dpr) / k);
    columns[i] = ix >= 0 && ix < width ? ix : -1;
  }
  for (let row = r.y; row < r.y + r.h; row++) {
    const iy = Math.floor((row + 0.5 - view.y * dpr) / k);
    let o = row * stride + r.x;
    if (iy < 0 || iy >= height) {
      pixels.fill(0, o, o + r.w);
      continue;
    }
    const base = iy * width;
    for (let i = 0; i < r.w; i++, o++) {
      const ix = columns[i]!;
      pixels[o] = ix < 0 ? 0 : (lut[data[base + ix]!] ?? UNKNOWN);
    }
  }
}
