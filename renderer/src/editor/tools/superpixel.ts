/**
 * Superpixel brush: every SLIC superpixel the pointer passes over becomes the current class
 * (whole cells, so edges follow the image). Superpixels come from a worker; until they
 * arrive the tool says so instead of painting.
 */
import type { Edit } from '../edit';
import { pixelAt } from '../mask';
import type { Point } from '../raster/brush';
import type { EditorTool, ToolContext } from './types';

let edit: Edit | null = null;
let last: Point | null = null;
const painted = new Set<number>();

function paintAt(ctx: ToolContext, p: Point): void {
  const sp = ctx.superpixels;
  if (!sp || !edit) return;
  const { width } = ctx.mask;
  const pixel = pixelAt(ctx.mask, p);
  if (!pixel) return;
  const cell = sp.sp.labels[pixel.index]!;
  if (painted.has(cell)) return;
  painted.add(cell);
  const end = sp.start[cell + 1]!;
  for (let k = sp.start[cell]!; k < end; k++) {
    const i = sp.order[k]!;
    const py = Math.floor(i / width);
    edit.span(py, i - py * width, i - py * width, ctx.classId);
  }
}

function sweep(ctx: ToolContext, to: Point): void {
  const from = last ?? to;
  const steps = Math.max(1, Math.ceil(Math.hypot(to.x - from.x, to.y - from.y)));
  for (let s = 1; s <= steps; s++) {
    const t = s / steps;
    paintAt(ctx, { x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t });
  }
  last = to;
}

export const superpixel: EditorTool = {
  id: 'superpixel',
  label: 'Superpixel brush',
  shortcut: 's',
  usesBrush: false,
  down(ctx, e) {
    if (!ctx.superpixels) {
      ctx.say('Superpixels are still being computed for this image.');
      return;
    }
    edit = ctx.begin();
    painted.clear();
    last = null;
    sweep(ctx, e.p);
  },
  drag(ctx, e) {
    sweep(ctx, e.p);
  },
  up(ctx) {
    if (edit) ctx.commit(edit, 'Superpixel brush');
    edit = null;
  },
  cancel(ctx) {
    if (edit) ctx.commit(edit, 'Superpixel brush');
    edit = null;
  },
};
