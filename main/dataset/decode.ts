/**
 * Pixel decoding. Masks become "keys": the stored value for index/palette masks (0..255) or
 * r<<16|g<<8|b for colour masks; the class mapping turns keys into ids. sharp's calls are
 * asynchronous (libvips threads), so decoding never blocks the JS thread.
 */
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import type { MaskEncoding } from '../../shared/dataset/descriptor';
import { decodeBmp, type RgbImage } from './codecs/bmp';
import { decodePng8, type Png8 } from './codecs/png-index';
import { sniffKind } from './headers';

export interface MaskKeys {
  readonly width: number;
  readonly height: number;
  readonly keys: Uint8Array | Uint32Array;
  /**
   * Set when a colour PNG was read as class ids (index/palette encoding) but its R, G and B
   * differ somewhere: the first such pixel (row-major). Its ids are then only its red channel.
   */
  readonly colorPixel?: number;
}

export const colorKey = (r: number, g: number, b: number): number => (r << 16) | (g << 8) | b;
export const keyColor = (key: number): [number, number, number] => [
  (key >> 16) & 0xff,
  (key >> 8) & 0xff,
  key & 0xff,
];

/** Image pixels as RGB (alpha dropped, greyscale expanded), exactly as stored (no EXIF turn). */
export async function decodeRgb(file: string): Promise<RgbImage> {
  return rgbOf(await fs.readFile(file));
}

/** BMP through our own codec (sharp has none), everything else through sharp. */
export async function rgbOf(bytes: Buffer): Promise<RgbImage> {
  if (sniffKind(bytes) === 'bmp') return decodeBmp(bytes);
  const { data, info } = await sharp(bytes, { limitInputPixels: false })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/** Mask keys from a PNG decoded by our own decoder (no colour conversion on the way). */
export function maskKeysFromPng8(png: Png8, encoding: MaskEncoding): MaskKeys {
  const { width, height, data, channels } = png;
  const n = width * height;
  if (encoding !== 'rgb') {
    if (channels === 1) return { width, height, keys: data };
    // An index mask saved as RGB(A) or grey+alpha: the id is the first channel (R = G = B).
    const keys = new Uint8Array(n);
    let colorPixel = -1;
    for (let p = 0; p < n; p++) {
      const o = p * channels;
      keys[p] = data[o]!;
      if (colorPixel < 0 && channels >= 3 && (data[o] !== data[o + 1] || data[o] !== data[o + 2]))
        colorPixel = p;
    }
    return { width, height, keys, ...(colorPixel >= 0 && { colorPixel }) };
  }
  const keys = new Uint32Array(n);
  if (png.colorType === 3) {
    const pal = png.palette ?? new Uint8Array(0);
    for (let p = 0; p < n; p++) {
      const i = data[p]! * 3;
      keys[p] = colorKey(pal[i] ?? 0, pal[i + 1] ?? 0, pal[i + 2] ?? 0);
    }
  } else if (channels <= 2) {
    // Read as a colour, a low-bit-depth grey means its full-range value (4-bit 15 = 255).
    const scale = 255 / ((1 << png.bitDepth) - 1);
    for (let p = 0; p < n; p++) {
      const v = Math.round(data[p * channels]! * scale);
      keys[p] = colorKey(v, v, v);
    }
  } else {
    for (let p = 0; p < n; p++) {
      const o = p * channels;
      keys[p] = colorKey(data[o]!, data[o + 1]!, data[o + 2]!);
    }
  }
  return { width, height, keys };
}

export async function decodeMask(file: string, encoding: MaskEncoding): Promise<MaskKeys> {
  const bytes = await fs.readFile(file);
  const kind = sniffKind(bytes);
  if (kind === 'png') {
    const png = await decodePng8(bytes);
    if (png) return maskKeysFromPng8(png, encoding);
  }
  if (encoding === 'rgb') {
    const rgb = await rgbOf(bytes);
    const keys = new Uint32Array(rgb.width * rgb.height);
    const d = rgb.data;
    for (let p = 0; p < keys.length; p++)
      keys[p] = colorKey(d[p * 3]!, d[p * 3 + 1]!, d[p * 3 + 2]!);
    return { width: rgb.width, height: rgb.height, keys };
  }
  if (kind === 'bmp') {
    const rgb = decodeBmp(bytes);
    const keys = new Uint8Array(rgb.width * rgb.height);
    for (let p = 0; p < keys.length; p++) keys[p] = rgb.data[p * 3]!;
    return { width: rgb.width, height: rgb.height, keys };
  }
  // Greyscale in another container: sharp hands back 3 identical channels unless told; take one.
  const { data, info } = await sharp(bytes, { limitInputPixels: false })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    keys: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/** Pixel count per key, as sorted [key, count] pairs. */
export function keyHistogram(keys: Uint8Array | Uint32Array): [number, number][] {
  if (keys instanceof Uint8Array) {
    const counts = new Float64Array(256);
    for (let i = 0; i < keys.length; i++) counts[keys[i]!]!++;
    const out: [number, number][] = [];
    counts.forEach((c, k) => c > 0 && out.push([k, c]));
    return out;
  }
  const counts = new Map<number, number>();
  for (let i = 0; i < keys.length; i++) counts.set(keys[i]!, (counts.get(keys[i]!) ?? 0) + 1);
  return [...counts].sort((a, b) => a[0] - b[0]);
}
