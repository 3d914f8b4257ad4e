/**
 * Small seeded PRNG (sfc32) with a serialisable state of four uint32 words. Independent of
 * Math.random and of tfjs' global random state, so runs are reproducible and resumable.
 *
 * Streams are usually derived from a key (`Rng.derive(seed, 'aug', epoch, i)`), which makes the
 * random choices for a given sample a pure function of (seed, epoch, position): prefetching or
 * pausing can never shift them.
 */

export type RngState = readonly [number, number, number, number];

function mix32(h: number, k: number): number {
  // murmur3-style mixing of one 32-bit word into the running hash.
  let x = Math.imul(k >>> 0, 0xcc9e2d51);
  x = (x << 15) | (x >>> 17);
  x = Math.imul(x, 0x1b873593);
  let y = (h ^ x) >>> 0;
  y = (y << 13) | (y >>> 19);
  return (Math.imul(y, 5) + 0xe6546b64) >>> 0;
}

function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Stable 32-bit hash of a key made of numbers (integers < 2^53) and strings. */
function hashKey(parts: readonly (number | string)[]): number {
  let h = 0x9747b28c;
  for (const part of parts) {
    if (typeof part === 'number') {
      const n = Math.floor(part);
      h = mix32(h, n >>> 0);
      h = mix32(h, Math.floor(n / 0x100000000) >>> 0);
    } else {
      h = mix32(h, 0x5f3759df ^ part.length);
      for (let i = 0; i < part.length; i++) h = mix32(h, part.charCodeAt(i));
    }
  }
  return fmix32(h);
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(state: RngState) {
    [this.a, this.b, this.c, this.d] = state;
  }

  static fromSeed(seed: number): Rng {
    // splitmix32 expands the seed into the four words; then warm up the generator.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    const rng = new Rng([next(), next(), next(), next()]);
    for (let i = 0; i < 12; i++) rng.nextUint32();
    return rng;
  }

  /** Independent stream for a key, e.g. `Rng.derive(seed, 'order', epoch)`. */
  static derive(...parts: (number | string)[]): Rng {
    return Rng.fromSeed(hashKey(parts));
  }

  static fromState(state: RngState): Rng {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error(`invalid RNG state ${JSON.stringify(state)}`);
    }
    return new Rng(state);
  }

  getState(): RngState {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 0x100000000;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new Error(`Rng.int: n must be >= 1, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates permutation of 0..n-1. */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }
}
