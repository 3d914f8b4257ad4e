/**
 * The reply of the training worker's `labels` job (main/training/label-worker.ts), checked by
 * the labels service before it is used. Kept apart from the worker code so the main process
 * does not load the engine to parse it.
 */
import { z } from 'zod';
import { RankedSample, UncertaintyMap } from '../../shared/contracts/labels';

export const DraftFile = z.object({ split: z.string(), id: z.string(), file: z.string() });
export type DraftFile = z.infer<typeof DraftFile>;

export const LabelsJobResult = z.discriminatedUnion('job', [
  z.object({ job: z.literal('rank'), samples: z.array(RankedSample) }),
  z.object({
    job: z.literal('drafts'),
    tag: z.string(),
    drafts: z.array(DraftFile),
    /** Samples left alone because a person (or the dataset) labelled them. */
    skipped: z.number().int(),
  }),
  z.object({ job: z.literal('uncertainty'), map: UncertaintyMap }),
  /** Overlay PNGs written, one per sample that could be predicted, and the slot's checkpoint. */
  z.object({ job: z.literal('overlays'), checkpoint: z.string(), files: z.array(DraftFile) }),
]);
export type LabelsJobResult = z.infer<typeof LabelsJobResult>;
