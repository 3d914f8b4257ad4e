/**
 * Image headers parsed by hand from the first bytes of the file (plus its last few for the
 * truncation check). This is the whole cost of indexing a sample: no pixel is decoded, so
 * 20k samples index in seconds. Anything sharp can read but we cannot parse here (GIF,
 * WebP, TIFF) goes through sharp's metadata(), which also only reads headers.
 */
import { constants, promises as fs, type Stats } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { ProblemReason } from '../../shared/dataset/descriptor';
import { pngChunkBeforeData } from './codecs/png-index';

export type ImageKind = 'png' | 'jpeg' | 'bmp' | 'gif' | 'webp' | 'tiff';
export type ColorType = 'grey' | 'grey-alpha' | 'rgb' | 'rgba' | 'palette' | 'cmyk' | 'other';

export interface ImageHeader {
  readonly kind: ImageKind;
  readonly width: number;
  readonly height: number;
  /** Bits per channel sample (16 for 16-bit PNG masks). */
  readonly bitDepth: number;
  readonly colorType: ColorType;
  /** EXIF orientation, 1 = as stored. */
  readonly orientation: number;
  readonly interlaced: boolean;
  readonly bytes: number;
  readonly mtimeMs: number;
}

export interface HeaderFailure {
  readonly ok: false;
  readonly reason: ProblemReason;
  readonly detail: string;
}

export type HeaderResult = { readonly ok: true; readonly header: ImageHeader } | HeaderFailure;

const HEAD_BYTES = 4096;
const TAIL_BYTES = 32;

interface Reader {
  readonly file: string;
  readonly size: number;
  readonly head: Buffer;
  readonly tail: Buffer;
  read(offset: number, length: number): Promise<Buffer>;
}

const fail = (reason: ProblemReason, detail: string): HeaderFailure => ({
  ok: false,
  reason,
  detail,
});

function errorReason(err: unknown): ProblemReason {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'missing_image' : 'unreadable';
}

/** What a non-regular file is, in words, or null for a regular file. */
export function specialFileKind(stats: Stats): string | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Stats `file` (following links) and opens it only when it is a regular file: opening a FIFO
 * for reading blocks until someone writes, which would hang the whole scan. The open itself is
 * non-blocking and re-checked, so a file swapped for a pipe in between cannot hang it either.
 */
export async function openRegularFile(
  file: string,
  name: string,
): Promise<{ ok: true; handle: fs.FileHandle; stats: Stats } | HeaderFailure> {
  let stats: Stats;
  try {
    stats = await fs.stat(file);
  } catch (err) {
    return fail(errorReason(err), `${name} cannot be opened (${(err as Error).message})`);
  }
  const special = specialFileKind(stats);
  if (special) return fail('unreadable', `${name} is ${special}, not an image file`);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return fail(errorReason(err), `${name} cannot be opened (${(err as Error).message})`);
  }
  const now = await handle.stat().catch(() => null);
  const changed = now ? specialFileKind(now) : 'gone';
  if (!now || changed) {
    await handle.close();
    return fail('unreadable', `${name} is ${changed ?? 'not a regular file'}, not an image file`);
  }
  return { ok: true, handle, stats: now };
}

/** Reads and checks one image header; never throws for a bad file, only reports it. */
export async function readImageHeader(file: string, name = file): Promise<HeaderResult> {
  const opened = await openRegularFile(file, name);
  if (!opened.ok) return opened;
  const { handle, stats } = opened;
  try {
    const size = stats.size;
    if (size === 0) return fail('empty_file', `${name} is empty (0 bytes)`);
    const head = Buffer.allocUnsafe(Math.min(HEAD_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    let tail = head.subarray(Math.max(0, head.length - TAIL_BYTES));
    if (size > head.length) {
      tail = Buffer.allocUnsafe(Math.min(TAIL_BYTES, size));
      await handle.read(tail, 0, tail.length, size - tail.length);
    }
    const reader: Reader = {
      file,
      size,
      head,
      tail,
      async read(offset, length) {
        if (offset + length <= head.length) return head.subarray(offset, offset + length);
        const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        if (buf.length > 0) await handle.read(buf, 0, buf.length, offset);
        return buf;
      },
    };
    const parsed = await parseHeader(reader, file, name);
    return parsed.ok ? { ok: true, header: { ...parsed.header, mtimeMs: stats.mtimeMs } } : parsed;
  } catch (err) {
    return fail('unreadable', `${name} cannot be read (${(err as Error).message})`);
  } finally {
    await handle.close();
  }
}

export function sniffKind(head: Uint8Array): ImageKind | null {
  const b = (i: number): number => head[i] ?? -1;
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return 'png';
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpeg';
  if (b(0) === 0x42 && b(1) === 0x4d) return 'bmp';
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46) return 'gif';
  if (b(0) === 0x52 && b(1) === 0x49 && b(8) === 0x57 && b(9) === 0x45) return 'webp';
  if ((b(0) === 0x49 && b(1) === 0x49) || (b(0) === 0x4d && b(1) === 0x4d)) return 'tiff';
  return null;
}

/** Leading bytes of the formats whose signature is longer than what a cut file may keep. */
const SIGNATURES: readonly (readonly [string, readonly number[]])[] = [
  ['PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
];

/** The format a file this short starts like (`FF D8` = a JPEG cut after two bytes), or null. */
export function cutSignature(head: Uint8Array): string | null {
  for (const [kind, sig] of SIGNATURES) {
    if (head.length < sig.length && head.every((b, i) => b === sig[i])) return kind;
  }
  return null;
}

async function parseHeader(r: Reader, file: string, name: string): Promise<HeaderResult> {
  const cut = cutSignature(r.head);
  if (cut) return fail('truncated_file', `${name} is truncated (${r.size} bytes of a ${cut} file)`);
  const kind = sniffKind(r.head);
  if (!kind) return fail('not_an_image', `${name} is not an image (unknown file signature)`);
  switch (kind) {
    case 'png':
      return parsePng(r, name);
    case 'jpeg':
      return parseJpeg(r, name);
    case 'bmp':
      return parseBmp(r, name);
    default:
      return viaSharp(file, kind, r.size, name);
  }
}

const PNG_COLOR: Record<number, ColorType> = {
  0: 'grey',
  2: 'rgb',
  3: 'palette',
  4: 'grey-alpha',
  6: 'rgba',
};

async function parsePng(r: Reader, name: string): Promise<HeaderResult> {
  const h = r.head;
  if (h.length < 33 || h.toString('latin1', 12, 16) !== 'IHDR') {
    return fail('truncated_file', `${name} ends inside its PNG header`);
  }
  const width = h.readUInt32BE(16);
  const height = h.readUInt32BE(20);
  const bitDepth = h[24] ?? 0;
  const colorType = PNG_COLOR[h[25] ?? -1];
  const invalid = invalidIhdr(h);
  if (invalid || !colorType)
    return fail('corrupt_file', `${name} has an invalid PNG header (${invalid})`);
  // Every complete PNG ends with the 12-byte IEND chunk; a cut download does not. Some tools
  // append bytes after it, so a file without it at the very end gets its chunks walked.
  const endsWithIend =
    r.tail.length >= 12 &&
    r.tail.toString('latin1', r.tail.length - 8, r.tail.length - 4) === 'IEND';
  if (!endsWithIend && !(await pngReachesIend(r))) {
    return fail('truncated_file', `${name} is truncated (no PNG end marker)`);
  }
  return {
    ok: true,
    header: {
      kind: 'png',
      width,
      height,
      bitDepth,
      colorType,
      orientation: pngOrientation(h),
      interlaced: h[28] === 1,
      bytes: r.size,
      mtimeMs: 0,
    },
  };
}

/** Bit depths the PNG specification allows for each colour type. */
const PNG_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Why the IHDR chunk (bytes 8..33) is not one a decoder accepts, or null. */
function invalidIhdr(h: Buffer): string | null {
  if (h.readUInt32BE(8) !== 13) return `IHDR length ${h.readUInt32BE(8)}, expected 13`;
  if (crc32(h.subarray(12, 29)) >>> 0 !== h.readUInt32BE(29)) return 'IHDR checksum mismatch';
  const width = h.readUInt32BE(16);
  const height = h.readUInt32BE(20);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff)
    return `size ${width}x${height}`;
  const depth = h[24] ?? 0;
  const colorType = h[25] ?? -1;
  const depths = PNG_DEPTHS[colorType];
  if (!depths) return `colour type ${colorType}`;
  if (!depths.includes(depth)) return `bit depth ${depth} with colour type ${colorType}`;
  if (h[26] !== 0 || h[27] !== 0) return 'unknown compression or filter method';
  if ((h[28] ?? 0) > 1) return `interlace method ${h[28]}`;
  return null;
}

/** Follows the chunk lengths from the signature to IEND, reading 8 bytes per chunk. */
async function pngReachesIend(r: Reader): Promise<boolean> {
  let off = 8;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const head = await r.read(off, 8);
    if (head.length < 8) return false;
    if (head.toString('latin1', 4, 8) === 'IEND') return off + 12 <= r.size;
    off += 12 + head.readUInt32BE(0);
  }
  return false;
}

/** PNG may carry EXIF in an eXIf chunk before the image data; look in the bytes we have. */
function pngOrientation(h: Buffer): number {
  const exif = pngChunkBeforeData(h, 'eXIf');
  return exif ? tiffOrientation(exif) : 1;
}

/** Orientation tag (0x0112) from a TIFF-structured EXIF block; 1 when absent. */
function tiffOrientation(t: Buffer): number {
  if (t.length < 8) return 1;
  const le = t.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number): number => (le ? t.readUInt16LE(o) : t.readUInt16BE(o));
  const u32 = (o: number): number => (le ? t.readUInt32LE(o) : t.readUInt32BE(o));
  const ifd = u32(4);
  if (ifd + 2 > t.length) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > t.length) break;
    if (u16(entry) === 0x0112) {
      // Only 2..8 turn the picture; some writers store 0 meaning "unknown".
      const value = u16(entry + 8);
      return value >= 2 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

const SOF_MARKERS = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
]);

async function parseJpeg(r: Reader, name: string): Promise<HeaderResult> {
  let off = 2;
  let orientation = 1;
  // Walk the marker segments up to the frame header; EXIF (APP1) comes before it.
  for (let guard = 0; guard < 512; guard++) {
    const seg = await r.read(off, 4);
    if (seg.length < 4) return fail('truncated_file', `${name} ends before its JPEG frame header`);
    if (seg[0] !== 0xff) return fail('corrupt_file', `${name} has a broken JPEG marker structure`);
    const marker = seg[1] ?? 0;
    if (marker === 0xff) {
      off += 1; // fill byte
      continue;
    }
    const len = seg.readUInt16BE(2);
    if (marker === 0xe1) {
      const app = await r.read(off + 4, Math.min(len - 2, 65533));
      if (app.toString('latin1', 0, 4) === 'Exif') orientation = tiffOrientation(app.subarray(6));
    } else if (SOF_MARKERS.has(marker)) {
      const sof = await r.read(off + 4, 6);
      if (sof.length < 6) return fail('truncated_file', `${name} ends inside its JPEG header`);
      const channels = sof[5] ?? 0;
      const width = sof.readUInt16BE(3);
      const height = sof.readUInt16BE(1);
      if (width === 0 || height === 0 || ![1, 3, 4].includes(channels)) {
        return fail(
          'corrupt_file',
          `${name} has an invalid JPEG frame header (${width}x${height}, ${channels} channels)`,
        );
      }
      if (!endsWithJpegEoi(r.tail) && !(await jpegDecodesWhole(r.file))) {
        return fail('truncated_file', `${name} is truncated (no JPEG end marker)`);
      }
      return {
        ok: true,
        header: {
          kind: 'jpeg',
          width,
          height,
          bitDepth: sof[0] ?? 8,
          colorType: channels === 1 ? 'grey' : channels === 3 ? 'rgb' : 'cmyk',
          orientation,
          interlaced: marker === 0xc2,
          bytes: r.size,
          mtimeMs: 0,
        },
      };
    } else if (marker === 0xd9 || marker === 0xda) {
      return fail('corrupt_file', `${name} has no JPEG frame header`);
    }
    off += 2 + len;
  }
  return fail('corrupt_file', `${name} has too many JPEG segments`);
}

/**
 * Phones append data after the end marker (MPF, motion-photo video), so a missing marker at
 * the very end is only suspicious: a decode at 1/8 scale (cheap for JPEG) settles it.
 */
async function jpegDecodesWhole(file: string): Promise<boolean> {
  const { default: sharp } = await import('sharp');
  try {
    await sharp(file, { failOn: 'truncated' }).resize(8, 8, { fit: 'fill' }).raw().toBuffer();
    return true;
  } catch {
    return false;
  }
}

/** The end-of-image marker, allowing for the padding some cameras append after it. */
function endsWithJpegEoi(tail: Buffer): boolean {
  for (let i = tail.length - 2; i >= 0; i--) {
    if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    if (tail[i + 1] !== 0x00 && tail[i + 1] !== 0xff) return false;
  }
  return false;
}

function parseBmp(r: Reader, name: string): HeaderResult {
  const h = r.head;
  if (h.length < 30) return fail('truncated_file', `${name} ends inside its BMP header`);
  const dataOffset = h.readUInt32LE(10);
  const width = h.readInt32LE(18);
  const rawHeight = h.readInt32LE(22);
  const bpp = h.readUInt16LE(28);
  const compression = h.length >= 34 ? h.readUInt32LE(30) : 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) return fail('corrupt_file', `${name} has an invalid BMP header`);
  if (compression === 0 || compression === 3) {
    const stride = Math.ceil((width * bpp) / 32) * 4;
    if (r.size < dataOffset + stride * height) {
      return fail(
        'truncated_file',
        `${name} is truncated (pixel data shorter than its header says)`,
      );
    }
  }
  return {
    ok: true,
    header: {
      kind: 'bmp',
      width,
      height,
      bitDepth: bpp >= 24 ? 8 : bpp,
      colorType: bpp === 32 ? 'rgba' : bpp === 24 ? 'rgb' : 'palette',
      orientation: 1,
      interlaced: false,
      bytes: r.size,
      mtimeMs: 0,
    },
  };
}

async function viaSharp(
  file: string,
  kind: ImageKind,
  bytes: number,
  name: string,
): Promise<HeaderResult> {
  const { default: sharp } = await import('sharp');
  try {
    const m = await sharp(file).metadata();
    const channels = m.channels ?? 3;
    const colorType: ColorType =
      m.isPalette === true
        ? 'palette'
        : ((['other', 'grey', 'grey-alpha', 'rgb', 'rgba'] as const)[channels] ?? 'other');
    return {
      ok: true,
      header: {
        kind,
        width: m.width,
        height: m.height,
        bitDepth: m.depth === 'ushort' ? 16 : 8,
        colorType,
        orientation: m.orientation ?? 1,
        interlaced: m.isProgressive === true,
        bytes,
        mtimeMs: 0,
      },
    };
  } catch (err) {
    return fail('corrupt_file', `${name} cannot be read as ${kind} (${(err as Error).message})`);
  }
}
