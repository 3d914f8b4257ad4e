/**
 * BMP decoding for the I2DL layout, whose images and targets are .bmp files that sharp's
 * prebuilt libvips cannot read. Uncompressed 24/32-bit (and BI_BITFIELDS in the usual BGRA
 * order) and 8-bit palette BMPs; returns RGB, top row first.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function decodeBmp(file: Buffer): RgbImage {
  if (file.length < 54 || file.toString('latin1', 0, 2) !== 'BM') throw new Error('not a BMP');
  const dataOffset = file.readUInt32LE(10);
  const headerSize = file.readUInt32LE(14);
  const width = file.readInt32LE(18);
  const rawHeight = file.readInt32LE(22);
  const bpp = file.readUInt16LE(28);
  const compression = file.readUInt32LE(30);
  if (compression !== 0 && compression !== 3) throw new Error('compressed BMPs are not supported');
  const height = Math.abs(rawHeight);
  const bottomUp = rawHeight > 0;
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (file.length < dataOffset + stride * height) throw new Error('BMP pixel data is truncated');
  const out = new Uint8Array(width * height * 3);
  const paletteAt = 14 + headerSize;
  for (let y = 0; y < height; y++) {
    const srcRow = dataOffset + (bottomUp ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (bpp === 24 || bpp === 32) {
        const s = srcRow + x * (bpp / 8);
        out[o] = file[s + 2]!;
        out[o + 1] = file[s + 1]!;
        out[o + 2] = file[s]!;
      } else if (bpp === 8) {
        const p = paletteAt + file[srcRow + x]! * 4;
        out[o] = file[p + 2]!;
        out[o + 1] = file[p + 1]!;
        out[o + 2] = file[p]!;
      } else {
        throw new Error(`${bpp}-bit BMPs are not supported`);
      }
    }
  }
  return { width, height, data: out };
}

/** An uncompressed 24-bit BMP (for test fixtures in the I2DL layout). */
export function encodeBmp(image: RgbImage): Buffer {
  const stride = Math.ceil((image.width * 24) / 32) * 4;
  const size = 54 + stride * image.height;
  const buf = Buffer.alloc(size);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(size, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(image.width, 18);
  buf.writeInt32LE(image.height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(stride * image.height, 34);
  for (let y = 0; y < image.height; y++) {
    const row = 54 + (image.height - 1 - y) * stride;
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 3;
      buf[row + x * 3] = image.data[i + 2]!;
      buf[row + x * 3 + 1] = image.data[i + 1]!;
      buf[row + x * 3 + 2] = image.data[i]!;
    }
  }
  return buf;
}
