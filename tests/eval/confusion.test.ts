import { describe, expect, it } from 'vitest';
import {
  ConfusionMatrix,
  REASON_ABSENT,
  classMetrics,
  imageMetrics,
  summarize,
} from '../../shared/metrics/confusion';

// Hand-worked example, 5 classes, 255 = void. Pixel pairs (gt, pred):
// (0,0) (0,0) (0,1) (1,1) (1,3) (2,2) (void,3) (0,0) (1,1)
// => counts [0][0]=3 [0][1]=1 [1][1]=2 [1][3]=1 [2][2]=1; class 3 only predicted; class 4 nowhere.
const GT = [0, 0, 0, 1, 1, 2, 255, 0, 1];
const PRED = [0, 0, 1, 1, 3, 2, 3, 0, 1];
const EXPECTED_ROWS = [
  [3, 1, 0, 0, 0],
  [0, 2, 0, 1, 0],
  [0, 0, 1, 0, 0],
  [0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0],
];

function handMatrix(): ConfusionMatrix {
  const m = new ConfusionMatrix(5);
  m.addLabels(GT, PRED);
  return m;
}

describe('ConfusionMatrix', () => {
  it('accumulates rows = ground truth, columns = prediction, void skipped', () => {
    expect(handMatrix().rows()).toEqual(EXPECTED_ROWS);
    expect(handMatrix().total()).toBe(8);
  });

  it('derives per-class IoU and accuracy as computed by hand', () => {
    const [c0, c1, c2, c3, c4] = classMetrics(handMatrix());
    expect(c0).toMatchObject({ iou: 3 / 4, accuracy: 3 / 4, gtPixels: 4, predPixels: 3 });
    expect(c1).toMatchObject({ iou: 2 / 4, accuracy: 2 / 3, gtPixels: 3, predPixels: 3 });
    expect(c2).toMatchObject({ iou: 1, accuracy: 1 });
    expect(c3).toMatchObject({
      iou: 0,
      accuracy: null,
      gtPixels: 0,
      predPixels: 1,
      reason: 'not in ground truth; predicted 1 px',
    });
    expect(c4).toMatchObject({ iou: null, accuracy: null, reason: REASON_ABSENT });
    expect(c0?.reason).toBeUndefined();
  });

  it('summarises: mIoU over defined classes, pixel accuracy, mean class accuracy', () => {
    const s = summarize(handMatrix());
    expect(s.mIoU).toBeCloseTo((0.75 + 0.5 + 1 + 0) / 4, 12);
    expect(s.pixelAccuracy).toBeCloseTo(6 / 8, 12);
    expect(s.meanClassAccuracy).toBeCloseTo((3 / 4 + 2 / 3 + 1) / 3, 12);
    for (const m of s.perClass) expect(Number.isNaN(m.iou)).toBe(false);
  });

  it('accepts flat counts and merges matrices', () => {
    const a = handMatrix();
    const b = ConfusionMatrix.fromRows(EXPECTED_ROWS);
    expect(b.rows()).toEqual(a.rows());
    a.add(b);
    expect(a.get(0, 0)).toBe(6);
    expect(summarize(a).mIoU).toBeCloseTo(summarize(b).mIoU ?? NaN, 12);
  });

  it('gives null metrics, never NaN, for an empty matrix', () => {
    expect(imageMetrics(new ConfusionMatrix(3))).toEqual({
      mIoU: null,
      pixelAccuracy: null,
      confusions: [],
    });
    expect(summarize(new ConfusionMatrix(3)).meanClassAccuracy).toBeNull();
  });

  it("lists an image's wrong (truth, predicted) pairs, most pixels first", () => {
    const m = ConfusionMatrix.fromRows([
      [5, 1, 0],
      [0, 2, 4],
      [2, 0, 7],
    ]);
    expect(imageMetrics(m).confusions).toEqual([
      [1, 2, 4],
      [2, 0, 2],
      [0, 1, 1],
    ]);
  });

  it('rejects mismatched lengths and out-of-range labels', () => {
    const m = new ConfusionMatrix(2);
    expect(() => m.addLabels([0, 1], [0])).toThrow(/2 ground-truth vs 1 predicted/);
    expect(() => m.addLabels([0, 2], [0, 0])).toThrow(/outside 0..1/);
    expect(() => m.addCounts([1, 2, 3])).toThrow(/expected 4 counts/);
    expect(() => new ConfusionMatrix(0)).toThrow(/positive integer/);
  });
});
