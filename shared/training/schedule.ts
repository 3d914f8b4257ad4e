import type { LrScheduleConfig } from './config';

/**
 * Learning rate used for the optimizer step with 0-based index `step` out of `totalSteps`.
 * Pure function of its arguments, so the "schedule state" of a run is just its step count.
 *
 * - warmup: linear ramp lr * (step + 1) / warmupSteps for the first warmupSteps steps;
 * - then, with progress p in [0, 1] over the remaining steps:
 *   constant: lr; poly: minLr + (lr - minLr) * (1 - p)^power;
 *   cosine: minLr + (lr - minLr) * (1 + cos(pi * p)) / 2.
 */
export function learningRateAt(
  baseLr: number,
  schedule: LrScheduleConfig,
  step: number,
  totalSteps: number,
  /** Progress given directly (a time budget's fraction spent) instead of from the steps. */
  progress?: number,
): number {
  const s = Math.max(0, Math.floor(step));
  const warmup = schedule.warmupSteps;
  const span = Math.max(1, totalSteps - warmup);
  return learningRateAtProgress(baseLr, schedule, s, progress ?? (s - warmup) / span);
}

/**
 * The same schedule with the progress `p` in [0, 1] given directly: a run with a time budget
 * passes the fraction of its budget spent, so its learning rate reaches the floor when the
 * budget ends however fast the steps turn out to be. Warmup still counts optimizer steps.
 */
export function learningRateAtProgress(
  baseLr: number,
  schedule: LrScheduleConfig,
  step: number,
  progress: number,
): number {
  const s = Math.max(0, Math.floor(step));
  const warmup = schedule.warmupSteps;
  if (warmup > 0 && s < warmup) return (baseLr * (s + 1)) / warmup;
  if (schedule.type === 'constant') return baseLr;
  const p = Math.min(1, Math.max(0, progress));
  const minLr = Math.min(schedule.minLr, baseLr);
  if (schedule.type === 'poly') return minLr + (baseLr - minLr) * Math.pow(1 - p, schedule.power);
  return minLr + ((baseLr - minLr) * (1 + Math.cos(Math.PI * p))) / 2;
}

/** Optimizer steps in one epoch: full batches only, at least one (small sets wrap around). */
export function stepsPerEpoch(sampleCount: number, batchSize: number): number {
  return Math.max(1, Math.floor(sampleCount / batchSize));
}
