import { promisify } from 'node:util';
import { inflate as inflateCb } from 'node:zlib';

const inflate = promisify(inflateCb);

/**
 * A deliberately small PNG decoder for the one shape masks usually have: 8-bit, single sample
 * per pixel (greyscale or palette), not interlaced. It returns the stored sample values
 * exactly — the class ids — where a general decoder would expand palettes to colours and
 * greyscale to RGB. Inflate runs on the libuv pool; unfiltering is one pass over the bytes.
 * Anything else returns null and the caller falls back to sharp.
 */
export interface IndexPng {
  readonly width: number;
  readonly height: number;
  /** One byte per pixel: the grey value or the palette index. */
  readonly values: Uint8Array;
  /** PLTE entries as RGB triplets (palette PNGs only). */
  readonly palette: Uint8Array | null;
}

export async function decodeIndexPng(file: Buffer): Promise<IndexPng | null> {
  if (file.length < 33 || file.readUInt32BE(0) !== 0x89504e47) return null;
  const width = file.readUInt32BE(16);
  const height = file.readUInt32BE(20);
  const bitDepth = file[24];
  const colorType = file[25];
  const interlace = file[28];
  if (bitDepth !== 8 || (colorType !== 0 && colorType !== 3) || interlace !== 0) return null;
  const idat: Buffer[] = [];
  let palette: Uint8Array | null = null;
  let off = 8;
  while (off + 8 <= file.length) {
    const len = file.readUInt32BE(off);
    const type = file.toString('latin1', off + 4, off + 8);
    const data = file.subarray(off + 8, off + 8 + len);
    if (type === 'IDAT') idat.push(data);
    else if (type === 'PLTE') palette = new Uint8Array(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = await inflate(Buffer.concat(idat));
  const stride = width + 1;
  if (raw.length < stride * height) throw new Error('PNG image data is shorter than its size');
  return { width, height, values: unfilter(raw, width, height), palette };
}

/** Reverses PNG's per-row filters for 1 byte per pixel (so `a` is simply the left byte). */
function unfilter(raw: Buffer, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)];
    const src = y * (width + 1) + 1;
    const row = y * width;
    const prev = row - width;
    for (let x = 0; x < width; x++) {
      const v = raw[src + x]!;
      const a = x > 0 ? out[row + x - 1]! : 0;
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
          const c = x > 0 && y > 0 ? out[prev + x - 1]! : 0;
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
