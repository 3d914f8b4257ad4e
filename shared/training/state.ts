/**
 * The vocabulary of a training run, once for every layer: the trainer state stored in each
 * checkpoint, the run states the host, services and UI speak, and how a run is launched.
 */
import { z } from 'zod';
import type { CheckpointKind } from '../contracts/common';
import { TrainingConfig } from './config';

/** Every state a run can be in, as stored in run.json and shown by the UI. */
export const TRAINING_STATES = [
  'idle',
  'starting',
  'running',
  'pausing',
  'paused',
  'stopping',
  'stopped',
  'finished',
  'crashed',
] as const;
export type TrainingState = (typeof TRAINING_STATES)[number];

/** States that only exist while a worker process is alive for the run. */
export const LIVE_STATES = ['starting', 'running', 'pausing', 'stopping'] as const;
export type LiveState = (typeof LIVE_STATES)[number];
/** States with no worker behind them: a run settles in one of these. */
export type TerminalState = Exclude<TrainingState, LiveState>;

/** A worker is (or is about to be) training this run. */
export function isLiveState(state: TrainingState): state is LiveState {
  return (LIVE_STATES as readonly TrainingState[]).includes(state);
}

/** The run has no worker: it is idle, paused, stopped, finished or crashed. */
export function isTerminalState(state: TrainingState): state is TerminalState {
  return !isLiveState(state);
}

/** The run can continue from a checkpoint (Resume). */
export function isResumableState(state: TrainingState): boolean {
  return state === 'paused' || state === 'crashed' || state === 'stopped';
}

/** How a worker session begins: a fresh run, or a run continued from one of its checkpoints. */
export type RunMode =
  { readonly kind: 'start' } | { readonly kind: 'resume'; readonly from: CheckpointKind };

/** What a user (or the host) asks of a live run; each takes effect after the current step. */
export type SettleRequest = 'pause' | 'stop';

/** What the user can do to a run (the UI disables its buttons while one is pending). */
export type RunAction = 'start' | SettleRequest | 'resume';

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
  /**
   * Runs with `config.lowResolutionPhase`: true once it is over (the last step trained at
   * full size), so a resumed run validates and steps at the size the run had reached.
   */
  lowResolutionOver: z.boolean().optional(),
  /**
   * Runs with `config.timeBudgetSeconds`: wall-clock seconds of the budget spent so far
   * (steps, validation and checkpoints; never the time a run lay paused), whether it is spent,
   * and the last validation's duration (kept back for the final one). Resume continues with
   * the remaining budget.
   */
  budget: z
    .object({
      elapsedSeconds: z.number().min(0),
      ended: z.boolean(),
      validationSeconds: z.number().min(0).nullable(),
    })
    .optional(),
});
export type TrainerState = z.infer<typeof TrainerState>;
