/**
 * Pure helpers for the loss chart. Validation loss is the same quantity as the training loss
 * (class weights, void ignored), so it shares the loss axis, placed at each epoch's last step.
 */
import type { EpochMetrics } from '../../../shared/contracts/training';

export interface ChartPoint {
  readonly x: number;
  readonly y: number;
}

/** One point per epoch that has a validation loss, at the epoch's last step, in epoch order. */
export function valLossPoints(epochs: readonly EpochMetrics[]): ChartPoint[] {
  return [...epochs]
    .sort((a, b) => a.epoch - b.epoch)
    .flatMap((e) => (e.valLoss === null ? [] : [{ x: e.globalStep, y: e.valLoss }]));
}

/**
 * What the loss card's header says: the number of train points and the steps the chart spans.
 * Live progress is throttled, so "3 points" can cover steps 1–5; saying both keeps it honest.
 */
export function lossSummary(
  trainSteps: readonly number[],
  valPoints: readonly ChartPoint[],
): { points: string; steps: string | null; val: string | null } {
  const n = trainSteps.length;
  const all = [...trainSteps, ...valPoints.map((p) => p.x)];
  const first = all.length ? Math.min(...all) : null;
  const last = all.length ? Math.max(...all) : null;
  return {
    points: `${n} ${n === 1 ? 'point' : 'points'}`,
    steps:
      first === null || last === null
        ? null
        : first === last
          ? `step ${first}`
          : `steps ${first}–${last}`,
    val: valPoints.length ? `${valPoints.length} val` : null,
  };
}
