/**
 * Replace class: press on a pixel of class A and drag a box: inside it, A becomes the current
 * class. A click without dragging replaces A everywhere in the mask.
 */
import { pixelAt } from '../mask';
import type { Point } from '../raster/brush';
import type { EditorTool } from './types';

let from: number | null = null;
let start: Point | null = null;
let end: Point | null = null;

export const replace: EditorTool = {
  id: 'replace',
  label: 'Replace class',
  shortcut: 'r',
  usesBrush: false,
  down(ctx, e) {
    const pixel = pixelAt(ctx.mask, e.p);
    if (!pixel) return;
    from = ctx.mask.data[pixel.index]!;
    start = e.p;
    end = e.p;
  },
  drag(ctx, e) {
    if (!start) return;
    end = e.p;
    ctx.preview({ kind: 'rect', a: start, b: end });
  },
  up(ctx) {
    if (from === null || !start || !end) return;
    const { width, height, data } = ctx.mask;
    const tiny = Math.hypot(end.x - start.x, end.y - start.y) < 3 * ctx.imagePxPerScreenPx;
    const x0 = tiny ? 0 : Math.max(0, Math.floor(Math.min(start.x, end.x)));
    const x1 = tiny ? width - 1 : Math.min(width - 1, Math.floor(Math.max(start.x, end.x)));
    const y0 = tiny ? 0 : Math.max(0, Math.floor(Math.min(start.y, end.y)));
    const y1 = tiny ? height - 1 : Math.min(height - 1, Math.floor(Math.max(start.y, end.y)));
    const edit = ctx.begin();
    for (let y = y0; y <= y1; y++) {
      let run = -1;
      for (let x = x0; x <= x1 + 1; x++) {
        const hit = x <= x1 && data[y * width + x] === from;
        if (hit && run < 0) run = x;
        else if (!hit && run >= 0) {
          edit.span(y, run, x - 1, ctx.classId);
          run = -1;
        }
      }
    }
    ctx.preview(null);
    ctx.commit(edit, tiny ? 'Replace class everywhere' : 'Replace class in box');
    from = null;
    start = end = null;
  },
  cancel(ctx) {
    from = null;
    start = end = null;
    ctx.preview(null);
  },
};
