/**
 * Masks and patches to and from the labels service's wire form (shared/contracts/labels.ts):
 * ids row-major, 8-bit or 16-bit little-endian, deflate (deflateRuns out, the browser's
 * DecompressionStream in), base64. Uses only web-platform globals, which Node has too, so it is tested in Node.
 */
import type { MaskPatch, MaskPayload } from '../../../shared/contracts/labels';
import { deflateRuns } from './deflate-runs';
import { arrayFor, type LabelMask, type MaskArray, type Rect } from './mask';

/** Largest decoded piece `labels.stage` accepts. */
export const STAGE_PIECE_BYTES = 512 * 1024;

async function pipe(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  // One write of the whole buffer: piping a Blob's 64 KiB chunks is several times slower.
  const writer = stream.writable.getWriter();
  void writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => undefined);
  void writer.close().catch(() => undefined);
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function rawBytes(values: MaskArray): { bytes: Uint8Array; bitDepth: 8 | 16 } {
  if (values instanceof Uint8Array) return { bytes: values, bitDepth: 8 };
  let wide = false;
  for (let i = 0; i < values.length; i++) if (values[i]! > 255) wide = true;
  if (!wide) return { bytes: Uint8Array.from(values), bitDepth: 8 };
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, values[i]!, true);
  return { bytes, bitDepth: 16 };
}

/**
 * Deflated id bytes of a mask (or of one rectangle's values). Encoded by deflateRuns: masks
 * are runs, and it is ~5x faster than CompressionStream on a 4096x3072 mask in Chromium.
 */
export async function encodeIds(
  values: MaskArray,
): Promise<{ bytes: Uint8Array; bitDepth: 8 | 16 }> {
  const { bytes, bitDepth } = rawBytes(values);
  return { bytes: deflateRuns(bytes, bitDepth === 16 ? 2 : 1), bitDepth };
}

export async function decodeIds(
  wire: { bitDepth?: 8 | 16; compression?: 'none' | 'deflate'; data: string },
  pixels: number,
  maxId: number,
): Promise<MaskArray> {
  let bytes = fromBase64(wire.data);
  if (wire.compression === 'deflate') bytes = await pipe(bytes, new DecompressionStream('deflate'));
  const depth = wire.bitDepth ?? 8;
  if (bytes.length !== pixels * (depth / 8)) {
    throw new Error(
      `The mask from the host has ${bytes.length} bytes, expected ${pixels * (depth / 8)}`,
    );
  }
  if (depth === 8 && maxId <= 255) return bytes;
  const out = arrayFor(Math.max(maxId, 256), pixels);
  if (depth === 8) out.set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < pixels; i++) out[i] = view.getUint16(i * 2, true);
  }
  return out;
}

export async function decodeMask(payload: MaskPayload, maxId: number): Promise<LabelMask> {
  const data = await decodeIds(payload, payload.width * payload.height, maxId);
  return { width: payload.width, height: payload.height, data };
}

export async function encodeMask(
  mask: LabelMask,
): Promise<{ payload: MaskPayload; bytes: Uint8Array }> {
  const { bytes, bitDepth } = await encodeIds(mask.data);
  return {
    payload: { width: mask.width, height: mask.height, bitDepth, compression: 'deflate', data: '' },
    bytes,
  };
}

export async function encodePatch(rect: Rect, values: MaskArray): Promise<MaskPatch> {
  const { bytes, bitDepth } = await encodeIds(values);
  return {
    x: rect.x,
    y: rect.y,
    width: rect.w,
    height: rect.h,
    bitDepth,
    compression: 'deflate',
    data: toBase64(bytes),
  };
}

/** Splits bytes into base64 pieces of at most STAGE_PIECE_BYTES decoded bytes each. */
export function stagePieces(bytes: Uint8Array): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < bytes.length; i += STAGE_PIECE_BYTES) {
    pieces.push(toBase64(bytes.subarray(i, i + STAGE_PIECE_BYTES)));
  }
  return pieces.length ? pieces : [''];
}
