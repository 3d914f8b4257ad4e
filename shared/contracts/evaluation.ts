import { z } from 'zod';
import { defineContract } from '../ipc/contract';
import { CheckpointKind, ProducedFile, Rgb, RunName, SCORES } from './common';

export const PerClassMetric = z.object({
  id: z.number().int(),
  index: z.number().int(),
  name: z.string(),
  color: Rgb,
  /** null when the class is absent from both ground truth and prediction; see `reason`. */
  iou: z.number().nullable(),
  accuracy: z.number().nullable(),
  gtPixels: z.number(),
  predPixels: z.number(),
  reason: z.string().optional(),
});
export type PerClassMetric = z.infer<typeof PerClassMetric>;

export const PerImageMetric = z.object({
  sample: z.string(),
  mIoU: z.number().nullable(),
  pixelAccuracy: z.number().nullable(),
  /**
   * Wrong pixels by (truth, predicted) training index as [truth, predicted, pixels], most
   * first; absent in reports saved before it was kept (their cell list then says so).
   */
  confusions: z.array(z.tuple([z.number().int(), z.number().int(), z.number()])).optional(),
});
export type PerImageMetric = z.infer<typeof PerImageMetric>;

/**
 * What a report was computed from (main/services/eval-basis.ts): the checkpoint, the run's
 * settings and the split's labels. A cached report is reused only when all of it is unchanged.
 */
export const EvalBasis = z.object({
  version: z.number().int(),
  checkpoint: z.object({
    slot: CheckpointKind,
    globalStep: z.number().int(),
    createdAt: z.string(),
    weightsSha256: z.string(),
  }),
  /** SHA-256 of the run's request, config and dataset reference. */
  settings: z.string(),
  samples: z.number().int(),
  /** SHA-256 over every sample of the split: its image and its current mask's version. */
  labels: z.string(),
});
export type EvalBasis = z.infer<typeof EvalBasis>;

export const EvalReport = z.object({
  runName: z.string(),
  checkpoint: z.string(),
  split: z.string(),
  ...SCORES,
  perClass: z.array(PerClassMetric),
  /** Raw counts, rows = ground truth, columns = prediction, in training-index order. */
  confusion: z.array(z.array(z.number())),
  perImage: z.array(PerImageMetric),
  evaluatedAt: z.number(),
  /** Absent in reports saved before it was kept, or when it could not be stated. */
  basis: EvalBasis.optional(),
  /** What the user should know about it: a fallback checkpoint, unlabeled samples not used. */
  note: z.string().optional(),
  /** True when each image was scored on the mean of its and its mirror's logits. */
  testTimeFlip: z.boolean().optional(),
  /** Multi-scale testing: the multiples of the input size averaged (absent = one scale). */
  testTimeScales: z.array(z.number()).optional(),
});
export type EvalReport = z.infer<typeof EvalReport>;

const EvalRef = z.object({ runName: RunName, split: z.string().max(64).default('val') });
/** Evaluation, export and prediction use the best checkpoint unless told otherwise. */
const FromBest = CheckpointKind.default('best');

/**
 * Where the user chose to save (Electron's save dialog). Omitted in serve mode: the file stays
 * in the project's exports folder and the browser downloads it through `mediaPath`.
 */
const Destination = z.string().min(1).max(4096).optional();

export const evaluationContract = defineContract({
  service: 'evaluation',
  methods: {
    /**
     * Runs the model on a split (progress via project@job) and caches the report. With
     * `reuse`, the cached report is returned instead (`reused: true`, no worker) when it is
     * provably current: same checkpoint weights and step, same settings, no label or image of
     * the split changed since.
     */
    evaluate: {
      input: EvalRef.extend({ from: FromBest, reuse: z.boolean().default(false) }),
      output: EvalReport.extend({ reused: z.boolean() }),
    },
    /** The cached report of the latest evaluation, if any. */
    report: { input: EvalRef, output: EvalReport.nullable() },
    exportModel: {
      input: z.object({
        runName: RunName,
        from: FromBest,
        /** `onnx`: one .onnx file (opset 17, NCHW), its `.segstudio.json` sidecar beside it. */
        format: z.enum(['folder', 'archive', 'onnx']).default('archive'),
        destination: Destination,
      }),
      output: ProducedFile,
    },
    /**
     * Predicted masks for every image of `split`, or, when `folder` is given, for the images
     * directly inside that folder on the host (absolute path; only read, never modified).
     */
    exportPredictions: {
      input: EvalRef.extend({
        from: FromBest,
        encoding: z.enum(['dataset', 'color']).default('dataset'),
        folder: z.string().min(1).max(4096).optional(),
        destination: Destination,
      }),
      output: ProducedFile,
    },
    exportMetrics: {
      input: EvalRef.extend({
        from: FromBest,
        format: z.enum(['csv', 'json']),
        destination: Destination,
      }),
      output: ProducedFile,
    },
  },
  events: {},
});
