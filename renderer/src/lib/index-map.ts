/**
 * A greyscale index PNG (pixel value = training index, 255 = void) decoded once into memory so
 * hovering can read the class under the cursor without touching the canvas again.
 */
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
  const image = new Image();
  // In Electron the page is app://segstudio and masks come from segmedia:// (another origin): a CORS
  // request keeps the canvas untainted so getImageData may read it. Same-origin in serve mode.
  image.crossOrigin = 'anonymous';
  image.decoding = 'async';
  image.src = url;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('Canvas 2D is not available in this browser');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(image, 0, 0);
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const values = new Uint8Array(canvas.width * canvas.height);
  const present = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    const value = rgba[i * 4] ?? VOID_INDEX;
    values[i] = value;
    present.add(value);
  }
  const { width, height } = canvas;
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
