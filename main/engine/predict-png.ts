/**
 * 8-bit single-channel PNG encoder (greyscale or palette) that stores the given values exactly:
 * sharp quantises palettes and may pick its own, but a mask's palette index *is* the class id.
 */
import { promisify } from 'node:util';
import { deflate as deflateCb } from 'node:zlib';
import { crc32 } from '../fs/zip';

const deflate = promisify(deflateCb);

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export async function encodeIndexedPng(
  width: number,
  height: number,
  values: Uint8Array,
  /** RGB triplets for a palette PNG (colour type 3); null for greyscale (colour type 0). */
  palette: Uint8Array | null,
): Promise<Buffer> {
  if (values.length !== width * height) {
    throw new Error(`encodeIndexedPng: ${values.length} values for ${width}x${height}`);
  }
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    // Filter byte 0 (none): masks are flat regions that deflate compresses well as they are.
    raw.set(values.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = palette ? 3 : 0;
  const parts = [
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
  ];
  if (palette) parts.push(chunk('PLTE', palette));
  parts.push(chunk('IDAT', await deflate(raw)), chunk('IEND', new Uint8Array()));
  return Buffer.concat(parts);
}
