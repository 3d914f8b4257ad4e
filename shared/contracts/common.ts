import { z } from 'zod';

export const Rgb = z.tuple([
  z.number().int().min(0).max(255),
  z.number().int().min(0).max(255),
  z.number().int().min(0).max(255),
]);

/** A class as the UI shows it. `index` is the contiguous training index, null for void. */
export const ClassInfo = z.object({
  id: z.number().int(),
  index: z.number().int().nullable(),
  name: z.string(),
  color: Rgb,
  void: z.boolean().optional(),
  /** Share of labelled pixels per split (0..1), once class statistics are computed. */
  pixelShare: z.record(z.string(), z.number()).optional(),
});
export type ClassInfo = z.infer<typeof ClassInfo>;

/**
 * The three overall scores a validation, an evaluation and an exported model's manifest
 * report, as one shape to spread into theirs (null: nothing scorable, e.g. no usable pixel).
 */
export const SCORES = {
  mIoU: z.number().nullable(),
  pixelAccuracy: z.number().nullable(),
  meanClassAccuracy: z.number().nullable(),
};

/**
 * Samples a split lists, how many are usable (have a mask and no problem) and how many are
 * unlabeled images (no annotation file: not problems, but not trained or evaluated on).
 */
export const SplitCounts = z.object({
  listed: z.number().int(),
  usable: z.number().int(),
  unlabeled: z.number().int(),
});
export type SplitCounts = z.infer<typeof SplitCounts>;

export const Problem = z.object({
  split: z.string(),
  sample: z.string(),
  path: z.string(),
  /** Stable code, e.g. `size_mismatch`, `missing_annotation`, `unknown_ids`. */
  reason: z.string(),
  /** Human sentence naming the file and what is wrong. */
  detail: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;

/** Progress of any long job (indexing, thumbnails, evaluation, export), pushed as events. */
export const JobProgress = z.object({
  jobId: z.string(),
  kind: z.enum(['index', 'statistics', 'thumbnails', 'evaluate', 'predict', 'export']),
  label: z.string(),
  done: z.number(),
  total: z.number(),
  etaSeconds: z.number().nullable(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  message: z.string().optional(),
});
export type JobProgress = z.infer<typeof JobProgress>;

/** A file the host produced for the user; `mediaPath` is downloadable through the media route. */
export const ProducedFile = z.object({
  path: z.string(),
  mediaPath: z.string(),
  bytes: z.number().int(),
});
export type ProducedFile = z.infer<typeof ProducedFile>;

export const RunName = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only');

export const CheckpointKind = z.enum(['last', 'previous', 'best']);
export type CheckpointKind = z.infer<typeof CheckpointKind>;
