/**
 * Where a model's prediction may be saved as a draft, and saving drafts predicted elsewhere
 * (the training worker's `labels` job): never over a person's label. Shared by the CLI's
 * in-process pre-labelling and the labels service.
 */
import type { DatasetIndex, SampleRecord } from '../dataset/index';
import { readIdMask } from '../dataset/label-source';
import { LabelsError } from './errors';
import { stateOf } from './samples';
import type { LabelStore } from './store';

/** May a prediction be written over this sample's current label? */
export function mayPrelabel(store: LabelStore, index: DatasetIndex, record: SampleRecord): boolean {
  const entry = store.entry(record.split, record.id);
  const state = stateOf(index, store, record);
  if (state === 'unlabeled') return entry?.file == null || !entry.source?.startsWith('human');
  return state === 'draft' && entry?.source?.startsWith('prediction:') === true;
}

/**
 * Saves drafts predicted elsewhere (the worker's `labels` job) where a prediction may still
 * go: each is re-checked against the store now, so a person's save made meanwhile stands.
 */
export async function saveDrafts(
  index: DatasetIndex,
  store: LabelStore,
  tag: string,
  drafts: readonly { split: string; id: string; file: string }[],
): Promise<{ drafted: number; skipped: number }> {
  let drafted = 0;
  let skipped = 0;
  for (const draft of drafts) {
    const record = index.findLabelable(draft.id, draft.split);
    if (!record || !mayPrelabel(store, index, record)) {
      skipped++;
      continue;
    }
    const mask = await readIdMask(draft.file);
    try {
      await store.save({
        split: draft.split,
        id: draft.id,
        mask,
        baseRevision: store.entry(draft.split, draft.id)?.revision ?? 0,
        source: tag,
        state: 'draft',
        datasetSha256: null,
      });
      drafted++;
    } catch (err) {
      if (!(err instanceof LabelsError && err.code === 'label_conflict')) throw err;
      skipped++;
    }
  }
  return { drafted, skipped };
}
