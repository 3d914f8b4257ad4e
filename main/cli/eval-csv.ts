/**
 * `segstudio eval --csv FILE`: the report as one flat table a spreadsheet or pandas reads
 * directly. One header, one row per scope: `overall`, then each `class`, then each `image`;
 * metrics are fractions in [0, 1], empty where undefined (a class absent from both sides).
 */
import type { EvalResult } from '../engine/evaluate';

const HEADER = ['scope', 'id', 'name', 'iou', 'accuracy', 'gt_pixels', 'pred_pixels', 'note'];

/** RFC 4180 quoting: only fields with a comma, quote or line break are quoted. */
function field(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function evalCsv(result: EvalResult): string {
  const rows: (string | number | null | undefined)[][] = [
    ['overall', '', 'mIoU', result.mIoU, result.pixelAccuracy, '', '', ''],
    ['overall', '', 'mean class accuracy', '', result.meanClassAccuracy, '', '', ''],
    ...result.perClass.map((c) => [
      'class',
      c.id,
      c.name,
      c.iou,
      c.accuracy,
      c.gtPixels,
      c.predPixels,
      c.reason,
    ]),
    ...result.perImage.map((p) => ['image', '', p.sample, p.mIoU, p.pixelAccuracy, '', '', '']),
  ];
  return [HEADER, ...rows].map((r) => r.map(field).join(',')).join('\n') + '\n';
}
