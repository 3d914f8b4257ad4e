import { promisify } from 'node:util';
import { inflate as inflateCb, inflateSync } from 'node:zlib';

const inflate = promisify(inflateCb);

/**
 * A deliberately small PNG decoder for the shapes masks come in: 8 bits per sample, not
 * interlaced, any colour type (grey, palette, RGB, with or without alpha). It returns the
 * stored samples exactly — palette indices stay indices, grey stays one channel — where a
 * general decoder would expand palettes and convert colour spaces. Inflate runs on libuv's
 * pool (or synchronously in worker threads); unfiltering is one pass over the bytes.
 * Anything else (16-bit, 1/2/4-bit, interlaced) returns null and the caller uses sharp.
 */
export interface Png8 {
  readonly width: number;
  readonly height: number;
  /** PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  readonly colorType: number;
  readonly channels: number;
  /** Samples row-major, channels interleaved. */
  readonly data: Uint8Array;
  /** PLTE entries as RGB triplets (palette PNGs only). */
  readonly palette: Uint8Array | null;
}

export interface PngChunk {
  readonly type: string;
  /** The length the chunk declares; `data` is shorter when the bytes given end inside it. */
  readonly length: number;
  readonly data: Buffer;
}

/**
 * The chunks of a PNG in file order, up to and including IEND or the end of `bytes`. A file's
 * first few KB are enough for the chunks that precede the image data (PLTE, eXIf).
 */
export function* pngChunks(bytes: Buffer): Generator<PngChunk> {
  let off = 8;
  while (off + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(off);
    const type = bytes.toString('latin1', off + 4, off + 8);
    yield { type, length, data: bytes.subarray(off + 8, off + 8 + length) };
    if (type === 'IEND') return;
    off += 12 + length;
  }
}

/** The first chunk of `type` before the image data (IDAT), complete, or null. */
export function pngChunkBeforeData(bytes: Buffer, type: string): Buffer | null {
  for (const chunk of pngChunks(bytes)) {
    if (chunk.type === 'IDAT' || chunk.type === 'IEND') return null;
    if (chunk.type === type) return chunk.data.length === chunk.length ? chunk.data : null;
  }
  return null;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

interface Layout {
  readonly width: number;
  readonly height: number;
  readonly colorType: number;
  readonly channels: number;
  readonly idat: Buffer;
  readonly palette: Uint8Array | null;
}

function layout(file: Buffer): Layout | null {
  if (file.length < 33 || file.readUInt32BE(0) !== 0x89504e47) return null;
  const width = file.readUInt32BE(16);
  const height = file.readUInt32BE(20);
  const bitDepth = file[24];
  const colorType = file[25] ?? -1;
  const interlace = file[28];
  const channels = CHANNELS[colorType];
  if (bitDepth !== 8 || channels === undefined || interlace !== 0) return null;
  const idat: Buffer[] = [];
  let palette: Uint8Array | null = null;
  for (const { type, data } of pngChunks(file)) {
    if (type === 'IDAT') idat.push(data);
    else if (type === 'PLTE') palette = new Uint8Array(data);
  }
  const joined = idat.length === 1 ? idat[0]! : Buffer.concat(idat);
  return { width, height, colorType, channels, idat: joined, palette };
}

function finish(png: Layout, raw: Buffer): Png8 {
  const rowBytes = png.width * png.channels;
  if (raw.length < (rowBytes + 1) * png.height) {
    throw new Error('PNG image data is shorter than its size');
  }
  return {
    width: png.width,
    height: png.height,
    colorType: png.colorType,
    channels: png.channels,
    data: unfilter(raw, rowBytes, png.height, png.channels),
    palette: png.palette,
  };
}

export async function decodePng8(file: Buffer): Promise<Png8 | null> {
  const png = layout(file);
  return png && finish(png, await inflate(png.idat));
}

/** Same, blocking: for worker threads, where a libuv round trip per mask only costs time. */
export function decodePng8Sync(file: Buffer): Png8 | null {
  const png = layout(file);
  return png && finish(png, inflateSync(png.idat));
}

/** Reverses PNG's per-row filters; `bpp` bytes per pixel (the left neighbour's distance). */
function unfilter(raw: Buffer, rowBytes: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)];
    const src = y * (rowBytes + 1) + 1;
    const row = y * rowBytes;
    const prev = row - rowBytes;
    for (let x = 0; x < rowBytes; x++) {
      const v = raw[src + x]!;
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[prev + x]! : 0;
      let p: number;
      switch (filter) {
        case 0:
          p = 0;
          break;
        case 1:
          p = a;
          break;
        case 2:
          p = b;
          break;
        case 3:
          p = (a + b) >> 1;
          break;
        case 4: {
          const c = x >= bpp && y > 0 ? out[prev + x - bpp]! : 0;
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`PNG row ${y} has unknown filter ${String(filter)}`);
      }
      out[row + x] = (v + p) & 0xff;
    }
  }
  return out;
}
