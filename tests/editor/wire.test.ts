import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createMask } from '../../renderer/src/editor/mask';
import {
  decodeMask,
  encodeMask,
  encodePatch,
  fromBase64,
  stagePieces,
  STAGE_PIECE_BYTES,
  toBase64,
} from '../../renderer/src/editor/wire';

// The editor's wire form must be what the host's zlib reads and writes.

describe('mask wire form', () => {
  it('deflates 8-bit masks so node:zlib inflates the exact ids, and reads zlib output back', async () => {
    const mask = createMask(480, 360, 11);
    for (let i = 0; i < mask.data.length; i += 7) mask.data[i] = i % 12;
    const { payload, bytes } = await encodeMask(mask);
    expect(payload.bitDepth).toBe(8);
    expect(Buffer.compare(inflateSync(bytes), Buffer.from(mask.data))).toBe(0);
    const fromHost = { ...payload, data: deflateSync(Buffer.from(mask.data)).toString('base64') };
    const back = await decodeMask(fromHost, 11);
    expect(Buffer.compare(Buffer.from(back.data), Buffer.from(mask.data))).toBe(0);
  });

  it('sends ids above 255 as 16-bit little endian', async () => {
    const mask = createMask(3, 1, 0, 300);
    mask.data.set([1, 300, 65535]);
    const { payload, bytes } = await encodeMask(mask);
    expect(payload.bitDepth).toBe(16);
    expect([...inflateSync(bytes)]).toEqual([1, 0, 44, 1, 255, 255]);
    const back = await decodeMask({ ...payload, data: toBase64(bytes) }, 65535);
    expect(Array.from(back.data)).toEqual([1, 300, 65535]);
  });

  it('refuses a payload whose size does not match its dimensions', async () => {
    const data = deflateSync(Buffer.alloc(10)).toString('base64');
    await expect(
      decodeMask({ width: 4, height: 4, bitDepth: 8, compression: 'deflate', data }, 11),
    ).rejects.toThrow(/10 bytes, expected 16/);
  });

  it('encodes a patch rectangle and splits big uploads into pieces', async () => {
    const patch = await encodePatch({ x: 2, y: 3, w: 2, h: 2 }, Uint8Array.from([1, 2, 3, 4]));
    expect(patch).toMatchObject({ x: 2, y: 3, width: 2, height: 2, bitDepth: 8 });
    expect([...inflateSync(Buffer.from(patch.data, 'base64'))]).toEqual([1, 2, 3, 4]);
    const big = new Uint8Array(STAGE_PIECE_BYTES * 2 + 5).map((_, i) => i & 255);
    const pieces = stagePieces(big);
    expect(pieces).toHaveLength(3);
    const joined = Buffer.concat(pieces.map((p) => Buffer.from(fromBase64(p))));
    expect(Buffer.compare(joined, Buffer.from(big))).toBe(0);
  });
});

describe('run-length deflate', () => {
  it('is a zlib stream node:zlib inflates to the exact bytes, for runs, noise and 16-bit', async () => {
    const { deflateRuns } = await import('../../renderer/src/editor/deflate-runs');
    let seed = 5;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
    const cases: [Uint8Array, 1 | 2][] = [
      [new Uint8Array(0), 1],
      [Uint8Array.from([7]), 1],
      [new Uint8Array(100_000).fill(11), 1],
      [Uint8Array.from({ length: 50_000 }, () => Math.floor(random() * 256)), 1],
      [Uint8Array.from({ length: 70_001 }, (_, i) => ((i / 997) | 0) % 12), 1],
      [Uint8Array.from({ length: 20_000 }, (_, i) => (i % 2 ? 1 : (i / 600) | 0)), 2],
    ];
    for (const [bytes, distance] of cases) {
      const out = deflateRuns(bytes, distance);
      expect(Buffer.compare(inflateSync(out), Buffer.from(bytes))).toBe(0);
    }
    // A mask-like input compresses to a sliver of its size.
    expect(deflateRuns(cases[4]![0]).length).toBeLessThan(70_001 / 50);
  });
});
