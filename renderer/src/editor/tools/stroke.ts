/**
 * Shared drag-a-brush behaviour for the brush, eraser and accept-prediction tools: one Edit per
 * press, each pointer sample swept from the previous one so fast strokes have no gaps.
 */
import type { Edit } from '../edit';
import { brushCentre, sweepSpans, type Point } from '../raster/brush';
import type { EditorTool, ToolContext } from './types';

type Writer = (ctx: ToolContext, edit: Edit, y: number, x0: number, x1: number) => void;

export function brushTool(spec: {
  id: string;
  label: string;
  shortcut?: string;
  undoLabel: string;
  write: Writer;
  available?: EditorTool['available'];
}): EditorTool {
  let edit: Edit | null = null;
  let last: Point | null = null;
  const sweep = (ctx: ToolContext, to: Point) => {
    if (!edit) return;
    const { brushSize, brushShape } = ctx.settings;
    const c = brushCentre(to, brushSize);
    const e = edit;
    sweepSpans(last ?? c, c, brushSize, brushShape, ctx.mask.height, (y, x0, x1) =>
      spec.write(ctx, e, y, x0, x1),
    );
    last = c;
  };
  return {
    id: spec.id,
    label: spec.label,
    shortcut: spec.shortcut,
    usesBrush: true,
    available: spec.available,
    down(ctx, e) {
      edit = ctx.begin();
      last = null;
      sweep(ctx, e.p);
    },
    drag(ctx, e) {
      sweep(ctx, e.p);
    },
    up(ctx) {
      if (edit) ctx.commit(edit, spec.undoLabel);
      edit = null;
      last = null;
    },
    cancel(ctx) {
      if (edit) ctx.commit(edit, spec.undoLabel);
      edit = null;
      last = null;
    },
  };
}
