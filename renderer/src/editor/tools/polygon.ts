/**
 * Polygon fill: click to place vertices; click the first vertex, double-click or press Enter
 * to fill; Backspace removes the last vertex, Escape drops the polygon.
 */
import type { Point } from '../raster/brush';
import { polygonSpans } from '../raster/polygon';
import type { EditorTool, ToolContext } from './types';

/** Screen pixels within which a click closes the polygon on its first vertex. */
const CLOSE_RADIUS_PX = 8;

let points: Point[] = [];
let cursor: Point | null = null;

function show(ctx: ToolContext): void {
  ctx.preview(
    points.length
      ? { kind: 'path', points: cursor ? [...points, cursor] : points, closed: false }
      : null,
  );
}

export function fillPolygon(ctx: ToolContext, outline: readonly Point[], label: string): void {
  if (outline.length < 3) return;
  const edit = ctx.begin();
  polygonSpans(outline, ctx.mask.width, ctx.mask.height, (y, x0, x1) =>
    edit.span(y, x0, x1, ctx.classId),
  );
  ctx.commit(edit, label);
}

function close(ctx: ToolContext): void {
  const outline = points;
  points = [];
  cursor = null;
  ctx.preview(null);
  fillPolygon(ctx, outline, 'Polygon');
}

export const polygon: EditorTool = {
  id: 'polygon',
  label: 'Polygon',
  shortcut: 'p',
  usesBrush: false,
  down(ctx, e) {
    const first = points[0];
    const radius = CLOSE_RADIUS_PX * ctx.imagePxPerScreenPx;
    if (first && points.length >= 3 && Math.hypot(e.p.x - first.x, e.p.y - first.y) <= radius) {
      close(ctx);
      return;
    }
    if (e.detail >= 2 && points.length >= 3) {
      close(ctx);
      return;
    }
    points.push(e.p);
    show(ctx);
  },
  drag() {},
  hover(ctx, e) {
    cursor = e.p;
    if (points.length) show(ctx);
  },
  up() {},
  key(ctx, key) {
    if (!points.length) return false;
    if (key === 'Enter') close(ctx);
    else if (key === 'Escape') {
      points = [];
      ctx.preview(null);
    } else if (key === 'Backspace') {
      points.pop();
      show(ctx);
    } else return false;
    return true;
  },
  cancel(ctx) {
    points = [];
    cursor = null;
    ctx.preview(null);
  },
};
