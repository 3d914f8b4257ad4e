/**
 * Confusion-matrix metrics for semantic segmentation. Pure: no tfjs, no Node, so the engine,
 * the worker and the UI compute identical numbers from the same counts.
 *
 * Conventions: rows = ground truth, columns = prediction, both in training-index order;
 * void pixels never enter the matrix. A class absent from both ground truth and prediction has
 * no defined IoU: it gets `null` plus a reason, never NaN or 0, and is left out of the means.
 */
import { IGNORE_LABEL } from '../dataset/ignore-label';

export const REASON_ABSENT = 'absent from ground truth and prediction';
export const REASON_NOT_IN_GT = 'not in ground truth';

export interface ClassMetric {
  readonly index: number;
  /** TP / (TP + FP + FN); null when the union is empty. */
  readonly iou: number | null;
  /** Recall, TP / (TP + FN); null when the class has no ground-truth pixel. */
  readonly accuracy: number | null;
  readonly gtPixels: number;
  readonly predPixels: number;
  readonly reason?: string;
}

export interface MetricsSummary {
  /** Mean IoU over classes with a defined IoU (present in ground truth or prediction). */
  readonly mIoU: number | null;
  readonly pixelAccuracy: number | null;
  /** Mean recall over classes present in the ground truth. */
  readonly meanClassAccuracy: number | null;
  readonly perClass: readonly ClassMetric[];
}

export class ConfusionMatrix {
  /** Row-major counts: `counts[gt * numClasses + pred]`. Float64 is exact up to 2^53 pixels. */
  readonly counts: Float64Array;

  constructor(readonly numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new Error(`ConfusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
    }
    this.counts = new Float64Array(numClasses * numClasses);
  }

  static fromRows(rows: readonly (readonly number[])[]): ConfusionMatrix {
    const m = new ConfusionMatrix(rows.length);
    m.addCounts(rows.flat());
    return m;
  }

  /**
   * Adds one label map pair. Ground-truth pixels equal to `ignoreLabel` are skipped; any other
   * value outside 0..C-1 (in ground truth or prediction) is a caller bug and throws.
   */
  addLabels(gt: ArrayLike<number>, pred: ArrayLike<number>, ignoreLabel = IGNORE_LABEL): void {
    if (gt.length !== pred.length) {
      throw new Error(`addLabels: ${gt.length} ground-truth vs ${pred.length} predicted pixels`);
    }
    const c = this.numClasses;
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i]!;
      if (g === ignoreLabel) continue;
      const p = pred[i]!;
      if (g < 0 || g >= c || p < 0 || p >= c) {
        throw new Error(`addLabels: pixel ${i} has gt ${g} / pred ${p} outside 0..${c - 1}`);
      }
      this.counts[g * c + p]! += 1;
    }
  }

  /** Adds flat row-major counts of the same size (e.g. a bincount computed with tf ops). */
  addCounts(flat: ArrayLike<number>): void {
    if (flat.length !== this.counts.length) {
      throw new Error(`addCounts: expected ${this.counts.length} counts, got ${flat.length}`);
    }
    for (let i = 0; i < flat.length; i++) this.counts[i]! += flat[i]!;
  }

  add(other: ConfusionMatrix): void {
    this.addCounts(other.counts);
  }

  get(gt: number, pred: number): number {
    return this.counts[gt * this.numClasses + pred] ?? 0;
  }

  total(): number {
    let sum = 0;
    for (const v of this.counts) sum += v;
    return sum;
  }

  rows(): number[][] {
    const c = this.numClasses;
    return Array.from({ length: c }, (_, r) =>
      Array.from(this.counts.subarray(r * c, (r + 1) * c)),
    );
  }
}

function mean(values: readonly (number | null)[]): number | null {
  const defined = values.filter((v): v is number => v !== null);
  return defined.length === 0 ? null : defined.reduce((a, b) => a + b, 0) / defined.length;
}

export function classMetrics(matrix: ConfusionMatrix): ClassMetric[] {
  const c = matrix.numClasses;
  const gtPixels = new Float64Array(c);
  const predPixels = new Float64Array(c);
  for (let g = 0; g < c; g++) {
    for (let p = 0; p < c; p++) {
      const n = matrix.get(g, p);
      gtPixels[g]! += n;
      predPixels[p]! += n;
    }
  }
  return Array.from({ length: c }, (_, k) => {
    const tp = matrix.get(k, k);
    const gt = gtPixels[k]!;
    const pred = predPixels[k]!;
    const union = gt + pred - tp;
    const base = { index: k, gtPixels: gt, predPixels: pred };
    if (union === 0) return { ...base, iou: null, accuracy: null, reason: REASON_ABSENT };
    if (gt === 0) {
      return {
        ...base,
        iou: 0,
        accuracy: null,
        reason: `${REASON_NOT_IN_GT}; predicted ${pred} px`,
      };
    }
    return { ...base, iou: tp / union, accuracy: tp / gt };
  });
}

export function summarize(matrix: ConfusionMatrix): MetricsSummary {
  const perClass = classMetrics(matrix);
  const total = matrix.total();
  let correct = 0;
  for (let k = 0; k < matrix.numClasses; k++) correct += matrix.get(k, k);
  return {
    mIoU: mean(perClass.map((m) => m.iou)),
    pixelAccuracy: total === 0 ? null : correct / total,
    meanClassAccuracy: mean(perClass.map((m) => m.accuracy)),
    perClass,
  };
}

/**
 * The per-image numbers stored for failure-case ranking and the confusion matrix's cell list:
 * `confusions` holds each wrong (truth, predicted) pair with pixels as [truth, predicted,
 * pixels], most pixels first.
 */
export function imageMetrics(matrix: ConfusionMatrix): {
  mIoU: number | null;
  pixelAccuracy: number | null;
  confusions: [number, number, number][];
} {
  const { mIoU, pixelAccuracy } = summarize(matrix);
  const confusions: [number, number, number][] = [];
  const n = matrix.numClasses;
  for (let t = 0; t < n; t++) {
    for (let p = 0; p < n; p++) {
      const pixels = t === p ? 0 : matrix.get(t, p);
      if (pixels > 0) confusions.push([t, p, pixels]);
    }
  }
  confusions.sort((a, b) => b[2] - a[2]);
  return { mIoU, pixelAccuracy, confusions };
}
