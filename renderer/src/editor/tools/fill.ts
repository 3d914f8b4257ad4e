/**
 * Flood fill: the clicked class region (or the region of similar image colour), connected or
 * everywhere, becomes the current class.
 */
import { pixelAt } from '../mask';
import { floodSpans, sameClass, similarColour } from '../raster/flood';
import type { EditorTool } from './types';

export const fill: EditorTool = {
  id: 'fill',
  label: 'Fill',
  shortcut: 'f',
  usesBrush: false,
  down(ctx, e) {
    const { width, height, data } = ctx.mask;
    const pixel = pixelAt(ctx.mask, e.p);
    if (!pixel) return;
    const { x, y, index: seed } = pixel;
    const byColour = ctx.settings.fillBy === 'colour';
    if (byColour && !ctx.image) {
      ctx.say('The image is still loading; fill by colour needs it.');
      return;
    }
    // Matching on a snapshot: the fill writes into the mask while it floods.
    const matches = byColour
      ? similarColour(ctx.image!.data, seed, ctx.settings.tolerance)
      : sameClass(data.slice(), seed);
    const edit = ctx.begin();
    floodSpans(width, height, x, y, matches, ctx.settings.contiguous, (row, x0, x1) =>
      edit.span(row, x0, x1, ctx.classId),
    );
    ctx.commit(edit, 'Fill');
  },
  drag() {},
  up() {},
};
