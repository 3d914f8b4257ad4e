/** Brush: paints the current class (round or square, 1-200 px, hard edges). */
import { brushTool } from './stroke';

export const brush = brushTool({
  id: 'brush',
  label: 'Brush',
  shortcut: 'b',
  undoLabel: 'Brush stroke',
  write: (ctx, edit, y, x0, x1) => edit.span(y, x0, x1, ctx.classId),
});
