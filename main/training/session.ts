import type { CheckpointInfo, EpochMetrics } from '../../shared/contracts/training';
import type { RunMode } from '../../shared/training/state';

/**
 * What the worker loop needs from the engine for one run, in the loop's own terms. The
 * engine bridge (engine-bridge.ts) implements it with the real Trainer, checkpoint store and
 * evaluator; the loop itself never imports the engine.
 *
 * Positions: `epoch` is the number of completed epochs (0-based index of the epoch being
 * trained), `stepInEpoch` the optimizer steps done in it, `globalStep` the steps done in total.
 */
export interface RunPositionNow {
  readonly epoch: number;
  readonly stepInEpoch: number;
  readonly globalStep: number;
}

export interface StepOutcome {
  readonly loss: number;
  readonly lr: number;
  /** Images consumed by the step (the batch size). */
  readonly images: number;
  /** True when this step completed an epoch. */
  readonly epochEnded: boolean;
}

export interface ValidationOutcome {
  readonly valLoss: number | null;
  readonly mIoU: number | null;
  readonly pixelAccuracy: number | null;
  readonly meanClassAccuracy: number | null;
}

export interface CheckpointRequest {
  /** Why: `epoch`, `pause`, `stop`, `timer`. */
  readonly reason: string;
  /** Validation mIoU at this point (epoch ends with a val split), for the `best` slot. */
  readonly mIoU: number | null;
  /** Epoch-end metrics, stored in the checkpoint's history before it is written. */
  readonly epochMetrics?: EpochMetrics;
}

export interface TrainingSession {
  readonly runName: string;
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly hasValidation: boolean;
  /** Time-based checkpoint interval from the run's config. */
  readonly checkpointEveryMinutes: number;
  position(): RunPositionNow;
  step(): Promise<StepOutcome>;
  validate(): Promise<ValidationOutcome | null>;
  /** Writes `last` (rotating `previous`) and `best` when mIoU beats it; returns what was written. */
  saveCheckpoint(request: CheckpointRequest): Promise<CheckpointInfo[]>;
  /** Live tensors in this process (tf.memory().numTensors). */
  numTensors(): number;
  dispose(): void;
}

export interface OpenedSession {
  readonly session: TrainingSession;
  readonly resumedFrom: CheckpointInfo | null;
  /** Epoch metrics recorded up to the restored checkpoint: metrics.jsonl is rebuilt from it. */
  readonly history: readonly EpochMetrics[];
  /** Set when the requested checkpoint was torn/corrupt and an older one was used. */
  readonly fallbackMessage: string | null;
}

export type OpenSession = (runDir: string, mode: RunMode) => Promise<OpenedSession>;
