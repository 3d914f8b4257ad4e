/**
 * Two evaluation reports of the same split side by side: mIoU and per-class IoU of each run
 * and the change from the first (the baseline, e.g. the run a fine-tune started from) to the
 * second. Classes are matched by dataset id, so a class either run never saw still gets a row.
 */
import type { EvalReport } from '../../../shared/contracts/evaluation';

export interface ComparedClass {
  readonly id: number;
  readonly name: string;
  readonly color: readonly [number, number, number];
  /** IoU of the baseline run (null: absent from its truth and prediction). */
  readonly a: number | null;
  readonly b: number | null;
  /** b - a, null when either side has no IoU. */
  readonly delta: number | null;
}

export interface Comparison {
  readonly split: string;
  readonly mIoU: {
    readonly a: number | null;
    readonly b: number | null;
    readonly delta: number | null;
  };
  readonly pixelAccuracy: {
    readonly a: number | null;
    readonly b: number | null;
    readonly delta: number | null;
  };
  readonly classes: readonly ComparedClass[];
  /** Classes whose IoU went up / down by at least the 0.1 point the table shows. */
  readonly improved: number;
  readonly worsened: number;
}

const diff = (a: number | null, b: number | null): number | null =>
  a === null || b === null ? null : b - a;

/** Half of the 0.1 IoU point the table rounds to: a change shown as 0.0 is not counted. */
const NOTICEABLE = 0.0005;

export function compareReports(a: EvalReport, b: EvalReport): Comparison {
  if (a.split !== b.split) {
    throw new Error(`Reports of different splits (${a.split}, ${b.split}) cannot be compared`);
  }
  const byId = new Map<
    number,
    { name: string; color: [number, number, number]; a: number | null; b: number | null }
  >();
  for (const c of a.perClass) byId.set(c.id, { name: c.name, color: c.color, a: c.iou, b: null });
  for (const c of b.perClass) {
    const row = byId.get(c.id);
    if (row) row.b = c.iou;
    else byId.set(c.id, { name: c.name, color: c.color, a: null, b: c.iou });
  }
  const classes = [...byId.entries()]
    .sort(([x], [y]) => x - y)
    .map(([id, r]) => ({
      id,
      name: r.name,
      color: r.color,
      a: r.a,
      b: r.b,
      delta: diff(r.a, r.b),
    }));
  return {
    split: a.split,
    mIoU: { a: a.mIoU, b: b.mIoU, delta: diff(a.mIoU, b.mIoU) },
    pixelAccuracy: {
      a: a.pixelAccuracy,
      b: b.pixelAccuracy,
      delta: diff(a.pixelAccuracy, b.pixelAccuracy),
    },
    classes,
    improved: classes.filter((c) => c.delta !== null && c.delta > NOTICEABLE).length,
    worsened: classes.filter((c) => c.delta !== null && c.delta < -NOTICEABLE).length,
  };
}

/** "+3.2" / "−1.0" / "0.0" IoU points, or an em dash when there is nothing to compare. */
export function formatDelta(delta: number | null, digits = 1): string {
  if (delta === null) return '—';
  const points = delta * 100;
  const text = Math.abs(points).toFixed(digits);
  if (Number(text) === 0) return (0).toFixed(digits);
  return `${points > 0 ? '+' : '\u2212'}${text}`;
}
