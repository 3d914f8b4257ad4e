/** Chart series helpers: pure, so they are unit-tested without a browser. */

export interface StepLoss {
  readonly step: number;
  readonly loss: number;
}

/**
 * Exponential moving average of the loss, debiased (as in Adam) so the first points are not
 * dragged towards zero by the average's zero start.
 */
export function smoothLoss(points: readonly StepLoss[], alpha = 0.9): { x: number; y: number }[] {
  let avg = 0;
  return points.map((p, i) => {
    avg = alpha * avg + (1 - alpha) * p.loss;
    return { x: p.step, y: avg / (1 - alpha ** (i + 1)) };
  });
}

/** Never hand Chart.js more points than it has pixels for; keeps the first and last point. */
export function thinSeries<T>(points: readonly T[], max = 1500): T[] {
  if (points.length <= max) return [...points];
  const stride = Math.ceil(points.length / max);
  return points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}
