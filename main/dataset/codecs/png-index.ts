/**
 * A deliberately small PNG decoder for the shapes masks come in: 1, 2, 4 or 8 bits per sample,
 * interlaced or not, any colour type (grey, palette, RGB, with or without alpha). It returns
 * the stored samples exactly, one byte each — palette indices stay indices (also when a
 * low-bit-depth palette repeats colours), grey stays one channel — where a general decoder
 * would expand palettes and convert colour spaces. It is strict where damage hides: every
 * chunk's CRC is checked, a chunk that runs past the end of the file, a missing IEND or image
 * data shorter than the size are errors with a sentence saying which. Inflate runs on libuv's
 * pool (or synchronously in worker threads) and is capped at the size the header implies, so a
 * zlib bomb cannot exhaust memory. 16-bit files return null and the caller uses sharp.
 */
import { promisify } from 'node:util';
import { crc32, inflate as inflateCb, inflateSync, type ZlibOptions } from 'node:zlib';

const inflate = promisify<Buffer, ZlibOptions, Buffer>(inflateCb);

export interface Png8 {
  readonly width: number;
  readonly height: number;
  /** PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  readonly colorType: number;
  readonly channels: number;
  /** Bits per stored sample (1, 2, 4 or 8); `data` holds the values unscaled. */
  readonly bitDepth: number;
  /** Samples row-major, channels interleaved, one byte per sample (low bit depths unpacked). */
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
  readonly bitDepth: number;
  readonly colorType: number;
  readonly channels: number;
  readonly interlaced: boolean;
  readonly idat: Buffer;
  readonly palette: Uint8Array | null;
}

/** Walks every chunk with its CRC; throws a sentence for the first damage found. */
function layout(file: Buffer): Layout | null {
  if (file.length < 33 || file.readUInt32BE(0) !== 0x89504e47) return null;
  const width = file.readUInt32BE(16);
  const height = file.readUInt32BE(20);
  const bitDepth = file[24] ?? 0;
  const colorType = file[25] ?? -1;
  const channels = CHANNELS[colorType];
  const lowDepthOk = bitDepth >= 8 || colorType === 0 || colorType === 3;
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(bitDepth) || !lowDepthOk) {
    throw new Error(`PNG header has bit depth ${bitDepth} with colour type ${colorType}`);
  }
  const idat: Buffer[] = [];
  let palette: Uint8Array | null = null;
  let ended = false;
  let off = 8;
  while (off + 8 <= file.length) {
    const length = file.readUInt32BE(off);
    const type = file.toString('latin1', off + 4, off + 8);
    if (off + 12 + length > file.length) {
      throw new Error(
        `PNG chunk ${JSON.stringify(type)} at byte ${off} declares ${length} bytes, past the end of the file`,
      );
    }
    const stored = file.readUInt32BE(off + 8 + length);
    if (crc32(file.subarray(off + 4, off + 8 + length)) >>> 0 !== stored) {
      throw new Error(`PNG ${type} chunk at byte ${off} fails its checksum (damaged data)`);
    }
    const data = file.subarray(off + 8, off + 8 + length);
    if (type === 'IDAT') idat.push(data);
    else if (type === 'PLTE') palette = new Uint8Array(data);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
    off += 12 + length;
  }
  if (!ended) throw new Error('PNG ends without its IEND chunk');
  if (idat.length === 0) throw new Error('PNG has no image data (IDAT)');
  if (colorType === 3 && !palette) throw new Error('palette PNG has no PLTE chunk');
  if (bitDepth === 16) return null;
  const joined = idat.length === 1 ? idat[0]! : Buffer.concat(idat);
  return {
    width,
    height,
    bitDepth,
    colorType,
    channels,
    interlaced: file[28] === 1,
    idat: joined,
    palette,
  };
}

/**
 * Checks a PNG's structure without inflating it: every chunk length inside the file, every
 * CRC, IEND present, IDAT present. Throws a sentence naming the first damage. For photos,
 * which sharp decodes next (inflating a second time would double the cost of the check); a
 * scrambled stream behind a valid CRC is sharp's to find.
 */
export function checkPngChunks(file: Buffer): void {
  layout(file);
}

/** Adam7 passes: [x0, y0, dx, dy]. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

interface Pass {
  readonly x0: number;
  readonly y0: number;
  readonly dx: number;
  readonly dy: number;
  readonly w: number;
  readonly h: number;
}

function passes(png: Layout): Pass[] {
  if (!png.interlaced) return [{ x0: 0, y0: 0, dx: 1, dy: 1, w: png.width, h: png.height }];
  return ADAM7.map(([x0, y0, dx, dy]) => ({
    x0,
    y0,
    dx,
    dy,
    w: Math.ceil(Math.max(0, png.width - x0) / dx),
    h: Math.ceil(Math.max(0, png.height - y0) / dy),
  }));
}

const rowBytesOf = (png: Layout, w: number): number =>
  Math.ceil((w * png.channels * png.bitDepth) / 8);

/** Bytes of filtered image data the header implies (each row: one filter byte + samples). */
function expectedBytes(png: Layout): number {
  return passes(png).reduce((n, p) => (p.w && p.h ? n + (rowBytesOf(png, p.w) + 1) * p.h : n), 0);
}

function finish(png: Layout, raw: Buffer): Png8 {
  const expected = expectedBytes(png);
  if (raw.length < expected) {
    throw new Error(`PNG image data is ${raw.length} bytes, its size needs ${expected}`);
  }
  const samplesPerRow = png.width * png.channels;
  const bpp = Math.max(1, (png.channels * png.bitDepth) >> 3);
  if (!png.interlaced && png.bitDepth === 8) {
    // Nearly every mask: the unfiltered rows are the samples.
    return { ...shape(png), data: unfilter(raw, samplesPerRow, png.height, bpp) };
  }
  const data = new Uint8Array(samplesPerRow * png.height);
  let src = 0;
  for (const p of passes(png)) {
    if (p.w === 0 || p.h === 0) continue;
    const rowBytes = rowBytesOf(png, p.w);
    const rows = unfilter(raw.subarray(src, src + (rowBytes + 1) * p.h), rowBytes, p.h, bpp);
    src += (rowBytes + 1) * p.h;
    const samples = p.w * png.channels;
    for (let y = 0; y < p.h; y++) {
      const row = rows.subarray(y * rowBytes, (y + 1) * rowBytes);
      const outRow = (p.y0 + y * p.dy) * samplesPerRow;
      for (let s = 0; s < samples; s++) {
        const x = p.x0 + Math.floor(s / png.channels) * p.dx;
        data[outRow + x * png.channels + (s % png.channels)] = sampleAt(row, s, png.bitDepth);
      }
    }
  }
  return { ...shape(png), data };
}

const shape = (png: Layout): Omit<Png8, 'data'> => ({
  width: png.width,
  height: png.height,
  colorType: png.colorType,
  channels: png.channels,
  bitDepth: png.bitDepth,
  palette: png.palette,
});

/** Sample `s` of a row packed at `depth` bits (MSB first, as PNG stores them). */
function sampleAt(row: Uint8Array, s: number, depth: number): number {
  if (depth === 8) return row[s]!;
  const bit = s * depth;
  return (row[bit >> 3]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

const inflateOptions = (png: Layout): ZlibOptions => ({
  // A little slack: some encoders add padding; anything far beyond the size is a bomb.
  maxOutputLength: expectedBytes(png) + 65_536,
});

function inflateError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(
    /larger than|maxOutputLength|ERR_BUFFER_TOO_LARGE/i.test(message)
      ? 'PNG image data inflates to far more than its size (a zlib bomb)'
      : `PNG image data cannot be inflated (${message})`,
  );
}

export async function decodePng8(file: Buffer): Promise<Png8 | null> {
  const png = layout(file);
  if (!png) return null;
  const raw = await inflate(png.idat, inflateOptions(png)).catch((err: unknown) => {
    throw inflateError(err);
  });
  return finish(png, raw);
}

/** Same, blocking: for worker threads, where a libuv round trip per mask only costs time. */
export function decodePng8Sync(file: Buffer): Png8 | null {
  const png = layout(file);
  if (!png) return null;
  let raw: Buffer;
  try {
    raw = inflateSync(png.idat, inflateOptions(png));
  } catch (err) {
    throw inflateError(err);
  }
  return finish(png, raw);
}

/** Reverses PNG's per-row filters; `bpp` bytes per pixel (the left neighbour's distance). */
function unfilter(raw: Uint8Array, rowBytes: number, height: number, bpp: number): Uint8Array {
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
