/** Lasso: drag a free-hand outline; releasing fills it with the current class. */
import type { Point } from '../raster/brush';
import { fillPolygon } from './polygon';
import type { EditorTool } from './types';

let points: Point[] = [];

export const lasso: EditorTool = {
  id: 'lasso',
  label: 'Lasso',
  shortcut: 'l',
  usesBrush: false,
  down(ctx, e) {
    points = [e.p];
    ctx.preview({ kind: 'path', points, closed: true });
  },
  drag(ctx, e) {
    const last = points[points.length - 1];
    // Half a screen pixel apart is as fine as the hand can draw.
    if (last && Math.hypot(e.p.x - last.x, e.p.y - last.y) < 0.5 * ctx.imagePxPerScreenPx) return;
    points.push(e.p);
    ctx.preview({ kind: 'path', points, closed: true });
  },
  up(ctx) {
    const outline = points;
    points = [];
    ctx.preview(null);
    fillPolygon(ctx, outline, 'Lasso');
  },
  cancel(ctx) {
    points = [];
    ctx.preview(null);
  },
};
