/**
 * mulberry32: a tiny seeded PRNG, good enough for pictures and test sequences, and the same
 * numbers everywhere, so a sample or a failing sequence can be made again from its seed.
 * Used by scripts/make-sample.mjs and by tests (types in random.d.mts).
 */

/** A generator of numbers in [0, 1) for `seed`. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
