/** How far apart two sets of numbers (weights, optimizer slots, logits) are. */
import type { NamedArray } from '../../main/engine/optimizer';

/** Largest |a[i] - b[i]|; Infinity when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/**
 * Largest difference between same-named weights; Infinity when the two lists do not hold the
 * same names with the same lengths.
 */
export function maxWeightDiff(a: readonly NamedArray[], b: readonly NamedArray[]): number {
  const byName = new Map(b.map((w) => [w.name, w]));
  let max = 0;
  for (const w of a) {
    const other = byName.get(w.name);
    if (!other) return Infinity;
    max = Math.max(max, maxAbsDiff(w.data, other.data));
  }
  return a.length === b.length ? max : Infinity;
}
