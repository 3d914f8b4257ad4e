import { describe, expect, it } from 'vitest';
import type { EvalReport } from '../../shared/contracts/evaluation';
import { compareReports, formatDelta } from '../../renderer/src/lib/compare';

function report(
  runName: string,
  mIoU: number | null,
  ious: Record<number, number | null>,
): EvalReport {
  return {
    runName,
    checkpoint: 'best',
    split: 'val',
    mIoU,
    pixelAccuracy: mIoU === null ? null : mIoU + 0.2,
    meanClassAccuracy: null,
    perClass: Object.entries(ious).map(([id, iou]) => ({
      id: Number(id),
      index: Number(id),
      name: `class ${id}`,
      color: [Number(id), 0, 0],
      iou,
      accuracy: iou,
      gtPixels: 10,
      predPixels: 10,
    })),
    confusion: [],
    perImage: [],
    evaluatedAt: 0,
  };
}

describe('run comparison', () => {
  it('matches classes by id and gives B - A per class and for mIoU', () => {
    const c = compareReports(
      report('a', 0.4, { 0: 0.5, 1: 0.3, 2: null, 5: 0.6 }),
      report('b', 0.45, { 1: 0.35, 0: 0.5, 2: 0.1, 7: 0.2 }),
    );
    expect(c.mIoU.delta).toBeCloseTo(0.05, 10);
    expect(c.pixelAccuracy.delta).toBeCloseTo(0.05, 10);
    expect(c.classes.map((r) => r.id)).toEqual([0, 1, 2, 5, 7]);
    const byId = new Map(c.classes.map((r) => [r.id, r]));
    expect(byId.get(0)!.delta).toBe(0);
    expect(byId.get(1)!.delta).toBeCloseTo(0.05, 10);
    expect(byId.get(2)).toMatchObject({ a: null, b: 0.1, delta: null });
    expect(byId.get(5)).toMatchObject({ a: 0.6, b: null, delta: null });
    expect(byId.get(7)).toMatchObject({ a: null, b: 0.2 });
    expect([c.improved, c.worsened]).toEqual([1, 0]);
    // A change the table shows as 0.0 points is not counted; 0.1 point is.
    const small = compareReports(
      report('a', 0.4, { 0: 0.5, 1: 0.3 }),
      report('b', 0.4, { 0: 0.5003, 1: 0.299 }),
    );
    expect([small.improved, small.worsened]).toEqual([0, 1]);
  });

  it('refuses reports of two different splits', () => {
    const b = { ...report('b', 0.1, {}), split: 'train' };
    expect(() => compareReports(report('a', 0.1, {}), b)).toThrow(/different splits/);
  });

  it('formats changes as signed IoU points', () => {
    expect(formatDelta(0.0321)).toBe('+3.2');
    expect(formatDelta(-0.01)).toBe('\u22121.0');
    expect(formatDelta(0.00001)).toBe('0.0');
    expect(formatDelta(null)).toBe('—');
  });
});
