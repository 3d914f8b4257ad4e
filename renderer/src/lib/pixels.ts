/**
 * Decoding media into pixel arrays (browser only): the image's RGBA, an index PNG's values. The
 * viewer's hover map and the editor both read masks through here.
 */
export async function loadImageData(url: string): Promise<ImageData> {
  const image = new Image();
  // In Electron the page is app://segstudio and media come from segmedia:// (another origin): a
  // CORS request keeps the canvas untainted so getImageData may read it. Same-origin in serve mode.
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
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

/** A greyscale index PNG (value = training index, 255 = void) as one byte per pixel. */
export async function loadIndexValues(
  url: string,
): Promise<{ width: number; height: number; values: Uint8Array }> {
  const rgba = await loadImageData(url);
  const values = new Uint8Array(rgba.width * rgba.height);
  for (let i = 0; i < values.length; i++) values[i] = rgba.data[i * 4]!;
  return { width: rgba.width, height: rgba.height, values };
}
