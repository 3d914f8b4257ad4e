/**
 * The confusion matrix's cell list: which images of a report had truth class `truth` predicted
 * as `predicted`, ranked by those pixels. Pure, over the report's per-image confusions.
 */
import type { PerImageMetric } from '../../../shared/contracts/evaluation';

/** One cell of the confusion matrix, by training index: truth class `truth` predicted as `predicted`. */
export interface ConfusionCell {
  readonly truth: number;
  readonly predicted: number;
}

export interface ConfusedImage {
  readonly sample: string;
  readonly pixels: number;
  readonly mIoU: number | null;
}

/** Null when the report predates per-image confusions (evaluate again to get them). */
export function imagesConfusing(
  perImage: readonly PerImageMetric[],
  truth: number,
  predicted: number,
): ConfusedImage[] | null {
  if (perImage.length > 0 && perImage.every((p) => p.confusions === undefined)) return null;
  const out: ConfusedImage[] = [];
  for (const p of perImage) {
    const hit = p.confusions?.find(([t, q]) => t === truth && q === predicted);
    if (hit) out.push({ sample: p.sample, pixels: hit[2], mIoU: p.mIoU });
  }
  return out.sort((a, b) => b.pixels - a.pixels || a.sample.localeCompare(b.sample));
}
