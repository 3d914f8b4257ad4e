/**
 * The typical image size of a dataset split, for the dataset-derived default input size and
 * the aspect warning (shared/training/input-size.ts). Read from the index's records (image
 * headers), so nothing is decoded.
 */
import type { InputSize } from '../../shared/training/config';
import { typicalImageSize } from '../../shared/training/input-size';

/** The part of a DatasetIndex this needs (structural, so services can pass their own view). */
export interface SizedSplits {
  readonly splits?: Readonly<
    Record<string, { readonly samples: readonly { width: number; height: number }[] }>
  >;
}

/** The most common image size of `split` (or of all splits when it has none), or null. */
export function splitImageSize(index: SizedSplits, split: string): InputSize | null {
  const splits = index.splits ?? {};
  const own = splits[split]?.samples ?? [];
  if (own.length > 0) return typicalImageSize(own);
  return typicalImageSize(Object.values(splits).flatMap((s) => s.samples));
}
