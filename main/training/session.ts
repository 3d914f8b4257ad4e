/**
 * What the worker loop needs from the engine for one run, in the loop's own terms. The
 * engine session (engine-session.ts) implements it with the real Trainer, checkpoint store and
 * evaluator; the loop itself never imports the engine (tests drive it with a fake session).
 */
import type { CheckpointInfo, EpochMetrics } from '../../shared/contracts/training';
import type { RunMode } from '../../shared/training/state';

/**
 * `epoch` is the number of completed epochs (0-based index of the epoch being trained),
 * `stepInEpoch` the optimizer steps done in it, `globalStep` the steps done in total.
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
  /** IoU per class in training-index order, with the class names (TensorBoard tags). */
  readonly classIoU?: readonly { readonly name: string; readonly iou: number | null }[];
}

export interface CheckpointRequest {
  /** Why: `epoch`, `pause`, `stop`, `timer`. */
  readonly reason: string;
  /** Validation mIoU at this point (epoch ends with a val split), for the `best` slot. */
  readonly mIoU: number | null;
  /** Epoch-end metrics, stored in the checkpoint's history before it is written. */
  readonly epochMetrics?: EpochMetrics;
}

/**
 * One run opened for training in this process. The worker loop drives it one call at a time
 * (it never calls a member while another one's promise is pending) and only ever sees plain
 * numbers: every tensor (weights, optimizer slots, batches) belongs to the session, which
 * frees each step's tensors itself and the rest in `dispose`.
 */
export interface TrainingSession {
  /** The run's name, fixed for the session; stamped on every event the loop emits. */
  readonly runName: string;
  /**
   * Epochs the run is configured for; fixed for the session, except in a run with a time
   * budget, where it (like `totalSteps`) is re-planned after each step from the measured rate.
   */
  readonly epochs: number;
  /** Optimizer steps in one epoch (train samples / batch size); fixed for the session. */
  readonly stepsPerEpoch: number;
  /**
   * `epochs * stepsPerEpoch`; the loop finishes the run when `position().globalStep` reaches it.
   * With a time budget: the planned total, equal to `globalStep` once the budget is spent (the
   * step that spent it ends an epoch, so it is validated before the run finishes).
   */
  readonly totalSteps: number;
  /**
   * Whether the run has a usable val split. When false the loop never calls `validate` and
   * epoch metrics carry nulls; when true a pause on an epoch-ending step defers validation.
   */
  readonly hasValidation: boolean;
  /**
   * The config's `validationShare`: the loop validates at an epoch end only while validation
   * stays within this share of the time (the session's first and the run's last epoch ends
   * always validate). Absent or null: every epoch end validates. Fixed for the session.
   */
  readonly validationShare?: number | null;
  /** Time-based checkpoint interval from the run's config (minutes of wall time). */
  readonly checkpointEveryMinutes: number;
  /**
   * Where the run stands: completed epochs, steps in the current epoch, steps in total. May be
   * called at any time between other calls; after `step` resolves it includes that step (an
   * epoch-ending step shows `stepInEpoch` 0 of the next epoch). The caller must not keep the
   * object past the next `step`.
   */
  position(): RunPositionNow;
  /**
   * Runs one optimizer step. Called only while `position().globalStep < totalSteps`.
   * Rejects when the step cannot be applied (e.g. a NaN/Infinity loss): the weights are then
   * as they were before it, and the loop ends the session with a fatal error and no
   * checkpoint, so the last checkpoint written stays the one to resume from.
   */
  step(): Promise<StepOutcome>;
  /**
   * Validation metrics of the current weights on the val split. Called at an epoch end (right
   * after the epoch-ending step, or first thing on a resume whose epoch-end validation was
   * deferred by a pause), and only when `hasValidation`. Changes neither weights nor position.
   */
  validate(): Promise<ValidationOutcome | null>;
  /**
   * Writes `last` (rotating `previous`) and `best` when `request.mIoU` beats it, durably, and
   * returns what was written (the loop emits one `checkpoint` event per entry). Called between
   * steps only; `request.epochMetrics` joins the checkpoint's history before it is written.
   */
  saveCheckpoint(request: CheckpointRequest): Promise<CheckpointInfo[]>;
  /** Live tensors in this process (tf.memory().numTensors), reported at epoch ends for leaks. */
  numTensors(): number;
  /**
   * Frees everything the session holds. Called exactly once, last, whether the run settled or
   * a call rejected; no member may be called after it.
   */
  dispose(): void;
}

/** What opening a run gives the loop, besides the session. */
export interface OpenedSession {
  readonly session: TrainingSession;
  /** The checkpoint the session was restored from; null for a fresh start. */
  readonly resumedFrom: CheckpointInfo | null;
  /** Epoch metrics recorded up to the restored checkpoint: metrics.jsonl is rebuilt from it. */
  readonly history: readonly EpochMetrics[];
  /** Set when the requested checkpoint was torn/corrupt and an older one was used. */
  readonly fallbackMessage: string | null;
}

/**
 * Opens a run folder for training: `start` builds a fresh model (the folder must have no
 * checkpoint yet), `resume` restores `mode.from`, falling back to an older intact slot. Rejects
 * with a message for the user (missing dataset, no usable train split, corrupt checkpoints);
 * the loop reports it as a fatal error. The caller owns the session and must dispose it.
 */
export type OpenSession = (runDir: string, mode: RunMode) => Promise<OpenedSession>;
