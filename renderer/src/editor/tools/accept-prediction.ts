/** Accept-prediction brush: copies the model's prediction under the brush into the mask. */
import { brushTool } from './stroke';

export const acceptPrediction = brushTool({
  id: 'accept-prediction',
  label: 'Accept prediction',
  shortcut: 'a',
  undoLabel: 'Accept prediction',
  available: (ctx) => ctx.prediction !== null,
  write: (ctx, edit, y, x0, x1) => {
    if (ctx.prediction) edit.spanFrom(y, x0, x1, ctx.prediction);
  },
});
