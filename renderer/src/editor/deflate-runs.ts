/**
 * A zlib stream (RFC 1950/1951) for label masks, written in one pass: one fixed-Huffman block
 * whose only matches repeat the previous pixel (distance = bytes per pixel). Masks are long
 * runs of one id, so this is about as small as general deflate for them and several times
 * faster than CompressionStream on a 12-megapixel mask; any inflater (node:zlib on the host)
 * reads it.
 */

interface Code {
  readonly bits: number;
  readonly length: number;
}

/** Deflate's fixed Huffman codes are sent most-significant bit first: reverse them here. */
function reversed(code: number, length: number): number {
  let out = 0;
  for (let i = 0; i < length; i++) out |= ((code >> i) & 1) << (length - 1 - i);
  return out;
}

function literalCode(value: number): Code {
  if (value < 144) return { bits: reversed(0x30 + value, 8), length: 8 };
  if (value < 256) return { bits: reversed(0x190 + value - 144, 9), length: 9 };
  if (value < 280) return { bits: reversed(value - 256, 7), length: 7 };
  return { bits: reversed(0xc0 + value - 280, 8), length: 8 };
}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
  163, 195, 227, 258,
];
const LENGTH_EXTRA = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];

const LITERALS: Code[] = Array.from({ length: 256 }, (_, v) => literalCode(v));
/** Length 3..258: its symbol's code followed by the extra bits, as one bit string. */
const LENGTHS: Code[] = [];
for (let len = 3; len <= 258; len++) {
  let k = LENGTH_BASE.length - 1;
  while (LENGTH_BASE[k]! > len) k--;
  const sym = literalCode(257 + k);
  const extra = LENGTH_EXTRA[k]!;
  LENGTHS[len] = {
    bits: sym.bits | ((len - LENGTH_BASE[k]!) << sym.length),
    length: sym.length + extra,
  };
}
const END_OF_BLOCK = literalCode(256);

/** zlib-wrapped deflate of `bytes`, repeating matches at `distance` (1 or 2) bytes. */
export function deflateRuns(bytes: Uint8Array, distance: 1 | 2 = 1): Uint8Array {
  const n = bytes.length;
  // Grown on demand: a mask needs a sliver of its size, noise up to 9/8 of it.
  let out = new Uint8Array(Math.max(1024, n >> 6));
  let pos = 0;
  let buf = 0;
  let count = 0;
  const put = (bits: number, length: number) => {
    buf |= bits << count;
    count += length;
    while (count >= 8) {
      if (pos >= out.length - 8) {
        const grown = new Uint8Array(out.length * 2);
        grown.set(out);
        out = grown;
      }
      out[pos++] = buf & 0xff;
      buf >>>= 8;
      count -= 8;
    }
  };
  out[pos++] = 0x78;
  out[pos++] = 0x01;
  put(0b011, 3); // final block, fixed Huffman codes
  // Distance codes are 5 bits: code 0 = distance 1, code 1 = distance 2 (reversed: 0b10000).
  const distBits = distance === 1 ? 0 : reversed(1, 5);
  // Adler-32 kept per token (a run of L copies of v adds L*v to a and L*a + v*L(L+1)/2 to b),
  // so the checksum costs nothing extra on runs.
  const MOD = 65521;
  let a = 1;
  let b = 0;
  const words =
    bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, n >> 2) : null;
  let i = 0;
  while (i < n) {
    if (i >= distance) {
      let j = i;
      const limit = Math.min(n, i + 258);
      if (distance === 1 && words) {
        // Four pixels at a time while aligned words repeat the previous byte.
        const v = bytes[i - 1]!;
        const spread = (v * 0x01010101) >>> 0;
        while (j < limit && j & 3 && bytes[j] === v) j++;
        while (j + 4 <= limit && words[j >> 2] === spread) j += 4;
        while (j < limit && bytes[j] === v) j++;
      } else {
        while (j < limit && bytes[j] === bytes[j - distance]) j++;
      }
      const len = j - i;
      if (len >= 3) {
        const code = LENGTHS[len]!;
        put(code.bits, code.length);
        put(distBits, 5);
        if (distance === 1) {
          const v = bytes[i]!;
          b = (b + len * a + (v * len * (len + 1)) / 2) % MOD;
          a = (a + len * v) % MOD;
        } else {
          for (let k = i; k < j; k++) {
            a = (a + bytes[k]!) % MOD;
            b = (b + a) % MOD;
          }
        }
        i = j;
        continue;
      }
    }
    const value = bytes[i]!;
    const lit = LITERALS[value]!;
    put(lit.bits, lit.length);
    a = (a + value) % MOD;
    b = (b + a) % MOD;
    i++;
  }
  put(END_OF_BLOCK.bits, END_OF_BLOCK.length);
  if (count > 0) put(0, 8 - count);
  const check = ((b << 16) | a) >>> 0;
  if (pos + 4 > out.length) {
    const grown = new Uint8Array(pos + 4);
    grown.set(out);
    out = grown;
  }
  out[pos++] = check >>> 24;
  out[pos++] = (check >>> 16) & 0xff;
  out[pos++] = (check >>> 8) & 0xff;
  out[pos++] = check & 0xff;
  return out.slice(0, pos);
}
