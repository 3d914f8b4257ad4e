/**
 * The two CSV tables of an evaluation, both RFC 4180 with metrics as fractions in [0, 1] and
 * empty cells where a metric is undefined (a class absent from both sides):
 * - `evalCsv`, for `segstudio eval --csv FILE`: one flat table a spreadsheet or pandas reads
 *   directly. One header, one row per scope: `overall`, then each `class`, then each `image`.
 * - `reportCsv`, the app's export of a cached report: the per-class table, then the means as a
 *   last row (the file name carries run, split and checkpoint).
 */
import type { EvalReport, PerClassMetric } from '../../shared/contracts/evaluation';
import type { EvalResult } from './evaluate';

type Cell = string | number | null | undefined;

/** RFC 4180 quoting: only fields with a comma, quote or line break are quoted. */
function field(value: Cell): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function table(rows: readonly (readonly Cell[])[]): string {
  return rows.map((r) => r.map(field).join(',')).join('\n') + '\n';
}

/** One class's cells in both tables' order: id, name, iou, accuracy, pixels, note. */
function classCells(c: PerClassMetric): Cell[] {
  return [c.id, c.name, c.iou, c.accuracy, c.gtPixels, c.predPixels, c.reason];
}

export function evalCsv(result: EvalResult): string {
  return table([
    ['scope', 'id', 'name', 'iou', 'accuracy', 'gt_pixels', 'pred_pixels', 'note'],
    ['overall', '', 'mIoU', result.mIoU, result.pixelAccuracy, '', '', ''],
    ['overall', '', 'mean class accuracy', '', result.meanClassAccuracy, '', '', ''],
    ...result.perClass.map((c) => ['class', ...classCells(c)]),
    ...result.perImage.map((p) => ['image', '', p.sample, p.mIoU, p.pixelAccuracy, '', '', '']),
  ]);
}

export function reportCsv(report: EvalReport): string {
  return table([
    ['class_id', 'class', 'iou', 'accuracy', 'gt_pixels', 'pred_pixels', 'note'],
    ...report.perClass.map(classCells),
    // The means as a last row of the same table (one table per file; pixel accuracy is in the
    // JSON export).
    ['', 'mean', report.mIoU, report.meanClassAccuracy, '', '', ''],
  ]);
}
