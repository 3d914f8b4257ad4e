/**
 * The model's prediction in the mask's id space, and the whole-mask "start from the model"
 * actions. Predicted masks arrive as training indices (255 = void); the editor paints dataset
 * ids, so they are translated through the class list first.
 */
import { Edit } from './edit';
import { arrayFor, type LabelMask, type MaskArray } from './mask';

export function predictionToIds(
  indices: Uint8Array,
  classes: readonly { id: number; index: number | null }[],
  voidId: number,
  maxId: number,
): MaskArray {
  const table = new Array<number>(256).fill(voidId);
  for (const c of classes) if (c.index !== null && c.index < 255) table[c.index] = c.id;
  const out = arrayFor(maxId, indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = table[indices[i]!]!;
  return out;
}

/** Writes the prediction into `edit`: everywhere, or only where the mask is still void. */
export function applyPrediction(
  mask: LabelMask,
  prediction: MaskArray,
  voidId: number,
  onlyVoid: boolean,
): Edit {
  const edit = new Edit(mask, { voidId, mode: onlyVoid ? 'void-only' : 'overwrite' });
  for (let y = 0; y < mask.height; y++) edit.spanFrom(y, 0, mask.width - 1, prediction);
  return edit;
}
