/** Eraser: back to void/unlabeled, whatever the paint mode. */
import { brushTool } from './stroke';

export const eraser = brushTool({
  id: 'eraser',
  label: 'Eraser',
  shortcut: 'e',
  undoLabel: 'Erase',
  write: (_ctx, edit, y, x0, x1) => edit.erase(y, x0, x1),
});
