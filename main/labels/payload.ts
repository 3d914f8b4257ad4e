/**
 * Wire form of masks and patches (shared/contracts/labels.ts MaskPayload/MaskPatch) to and
 * from id arrays. Every size is checked against the bytes actually received, so a short or
 * oversized payload is refused with a sentence instead of producing a shifted mask.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import type { MaskPatch, MaskPayload } from '../../shared/contracts/labels';
import { LabelsError } from './errors';

export interface IdMask {
  readonly width: number;
  readonly height: number;
  readonly ids: Uint8Array | Uint16Array;
}

type Wire = { bitDepth?: 8 | 16; compression?: 'none' | 'deflate'; data: string };

function decodeBytes(wire: Wire, pixels: number, what: string): Uint8Array | Uint16Array {
  let bytes: Buffer = Buffer.from(wire.data, 'base64');
  if (wire.compression === 'deflate') {
    try {
      bytes = inflateSync(bytes, { maxOutputLength: pixels * 2 + 1 });
    } catch (err) {
      throw new LabelsError(
        `${what} is not valid deflate data (${(err as Error).message})`,
        'bad_mask',
      );
    }
  }
  const depth = wire.bitDepth ?? 8;
  const expected = pixels * (depth / 8);
  if (bytes.length !== expected) {
    throw new LabelsError(
      `${what} has ${bytes.length} bytes, expected ${expected} (${pixels} pixels at ${depth} bits)`,
      'bad_mask',
    );
  }
  if (depth === 8) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const ids = new Uint16Array(pixels);
  for (let i = 0; i < pixels; i++) ids[i] = bytes.readUInt16LE(i * 2);
  return ids;
}

export function maskFromPayload(payload: MaskPayload): IdMask {
  const { width, height } = payload;
  return { width, height, ids: decodeBytes(payload, width * height, 'The mask sent') };
}

/** The wire form of a mask (deflate-compressed, 16-bit only when an id needs it). */
export function payloadOfMask(mask: IdMask): Required<MaskPayload> {
  const wide = mask.ids instanceof Uint16Array && mask.ids.some((v) => v > 255);
  let bytes: Buffer;
  if (!wide) bytes = Buffer.from(Uint8Array.from(mask.ids));
  else {
    bytes = Buffer.alloc(mask.ids.length * 2);
    mask.ids.forEach((v, i) => bytes.writeUInt16LE(v, i * 2));
  }
  return {
    width: mask.width,
    height: mask.height,
    bitDepth: wide ? 16 : 8,
    compression: 'deflate',
    data: deflateSync(bytes, { level: 1 }).toString('base64'),
  };
}

/** Writes patches into `mask` in order; widens it to 16 bits when a patch needs that. */
export function applyPatches(mask: IdMask, patches: readonly MaskPatch[]): IdMask {
  let ids = mask.ids;
  for (const [n, patch] of patches.entries()) {
    const what = `Patch ${n + 1}`;
    if (patch.x + patch.width > mask.width || patch.y + patch.height > mask.height) {
      throw new LabelsError(
        `${what} (${patch.width}x${patch.height} at ${patch.x},${patch.y}) lies outside the ${mask.width}x${mask.height} mask`,
        'bad_mask',
      );
    }
    const values = decodeBytes(patch, patch.width * patch.height, what);
    if (values instanceof Uint16Array && ids instanceof Uint8Array) ids = Uint16Array.from(ids);
    else if (ids === mask.ids) ids = ids.slice();
    for (let y = 0; y < patch.height; y++) {
      const row = values.subarray(y * patch.width, (y + 1) * patch.width);
      ids.set(row, (patch.y + y) * mask.width + patch.x);
    }
  }
  return { width: mask.width, height: mask.height, ids };
}
