import { describe, expect, it } from 'vitest';
import type { EpochMetrics } from '../../shared/contracts/training';
import { lossSummary, valLossPoints } from '../../renderer/src/lib/loss-chart';

const epoch = (n: number, globalStep: number, valLoss: number | null): EpochMetrics => ({
  runName: 'r',
  epoch: n,
  globalStep,
  trainLoss: 1,
  valLoss,
  mIoU: null,
  pixelAccuracy: null,
  meanClassAccuracy: null,
  seconds: 1,
  at: 0,
});

describe('loss chart', () => {
  it('places each epoch’s val loss at its last step, in epoch order, skipping missing ones', () => {
    const points = valLossPoints([epoch(2, 10, 0.8), epoch(1, 5, 1.2), epoch(3, 15, null)]);
    expect(points).toEqual([
      { x: 5, y: 1.2 },
      { x: 10, y: 0.8 },
    ]);
  });

  it('says how many points and which steps the chart spans (throttled points skip steps)', () => {
    expect(lossSummary([1, 3, 5], [])).toEqual({
      points: '3 points',
      steps: 'steps 1–5',
      val: null,
    });
    expect(lossSummary([1, 3, 5], [{ x: 6, y: 0.9 }])).toEqual({
      points: '3 points',
      steps: 'steps 1–6',
      val: '1 val',
    });
    expect(lossSummary([4], [])).toEqual({ points: '1 point', steps: 'step 4', val: null });
    expect(lossSummary([], [])).toEqual({ points: '0 points', steps: null, val: null });
  });
});
