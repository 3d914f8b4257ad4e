import { z } from 'zod';
import { TrainingConfig } from './config';

/** Trainer state stored as `state.json` in every checkpoint (JSON only). */
export const TrainerState = z.object({
  format: z.literal('segstudio-trainer-state'),
  version: z.literal(1),
  config: TrainingConfig,
  /**
   * Network layout the weights belong to (preset + layout version, see
   * main/engine/models/architecture.ts). Absent in checkpoints written before it existed.
   */
  architecture: z.object({ id: z.string(), version: z.number().int().min(1) }).optional(),
  numClasses: z.number().int().min(1),
  classNames: z.array(z.string()),
  /** Per-class loss weights actually used (null = unweighted). */
  classWeights: z.array(z.number()).nullable(),
  /** Epoch the next step belongs to (0-based); == config.epochs when training is finished. */
  epoch: z.number().int().min(0),
  /** Index of the next step within its epoch. */
  stepInEpoch: z.number().int().min(0),
  /** Optimizer steps completed so far. */
  globalStep: z.number().int().min(0),
  stepsPerEpoch: z.number().int().min(1),
  totalSteps: z.number().int().min(1),
  data: z.object({
    /** How random streams are derived: from (seed, 'order'|'aug', epoch, position). */
    rngScheme: z.string(),
    seed: z.number().int(),
    trainCount: z.number().int().min(0),
    /** Sample order of the current epoch. */
    order: z.array(z.number().int().min(0)),
    /** State of the epoch-order RNG stream after drawing `order`. */
    orderRngState: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  }),
  schedule: z.object({
    globalStep: z.number().int().min(0),
    totalSteps: z.number().int().min(1),
    lastLr: z.number(),
  }),
  optimizer: z.object({ type: z.literal('adam'), iterations: z.number().int().min(0) }),
  /** Opaque per-epoch metrics entries appended by the host (val mIoU, ...). */
  metricsHistory: z.array(z.unknown()),
  /** Wall-clock seconds spent in step() so far. */
  trainSeconds: z.number().min(0),
  lastLoss: z.number().nullable(),
});
export type TrainerState = z.infer<typeof TrainerState>;
