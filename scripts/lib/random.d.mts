/** A generator of numbers in [0, 1) for `seed` (mulberry32; see random.mjs). */
export function rng(seed: number): () => number;
