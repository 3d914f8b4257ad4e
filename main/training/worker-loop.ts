/**
 * The training loop inside the worker: a fixed loop (step, then epoch end / timer checkpoint /
 * settle) that decides what happens when; everything else it does (progress, the step log,
 * the epoch history) is a LoopCallback in loop-callbacks.ts.
 */
import { EpochMetrics, type CheckpointInfo } from '../../shared/contracts/training';
import type { RunMode, SettleRequest } from '../../shared/training/state';
import type { RunPosition, WorkerEvent } from '../../shared/worker/protocol';
import type { ScalarWriter } from '../engine/tensorboard';
import { writeFileAtomic } from '../fs/atomic';
import { retainJsonLines } from './jsonl';
import { StepLossLine, defaultCallbacks, type LoopCallback } from './loop-callbacks';
import { runPaths } from './run-folder';
import type { OpenSession, StepOutcome, TrainingSession, ValidationOutcome } from './session';

export { MAX_STEP_LINES, PROGRESS_INTERVAL_MS, StepLossLine } from './loop-callbacks';

export interface LoopOptions {
  readonly emit: (event: WorkerEvent) => void;
  readonly openSession: OpenSession;
  readonly now?: () => number;
  /**
   * Opens the run's TensorBoard writer once the session is restored at `globalStep` (points
   * past it are dropped first). Absent or null: the run writes no TensorBoard files.
   */
  readonly openScalars?: (runDir: string, globalStep: number) => Promise<ScalarWriter | null>;
}

/**
 * The training loop inside the worker: one optimizer step at a time, so pause and stop take
 * effect after the current step. Checkpoints at every epoch end (with validation metrics and
 * the `best` slot), every `checkpointEveryMinutes`, on pause and on stop.
 */
export class WorkerLoop {
  private settleRequest: SettleRequest | null = null;
  private running = false;
  private readonly now: () => number;

  constructor(private readonly options: LoopOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  get isRunning(): boolean {
    return this.running;
  }

  requestPause(): void {
    if (this.settleRequest !== 'stop') this.settleRequest = 'pause';
  }

  requestStop(): void {
    this.settleRequest = 'stop';
  }

  /** Runs a start/resume to its end (paused, stopped, finished); errors are emitted, not thrown. */
  async run(runDir: string, mode: RunMode, stopAfterSteps: number | null): Promise<void> {
    if (this.running) {
      // Not fatal: the run already active here goes on.
      this.options.emit({
        type: 'error',
        message: 'A run is already active in this worker',
        fatal: false,
      });
      return;
    }
    this.running = true;
    let session: TrainingSession | null = null;
    try {
      const opened = await this.options.openSession(runDir, mode);
      session = opened.session;
      const steps = await reconcileHistory(runDir, session.position().globalStep, opened.history);
      this.options.emit({
        type: 'started',
        runName: session.runName,
        globalStep: session.position().globalStep,
        totalSteps: session.totalSteps,
        resumedFrom: opened.resumedFrom,
        fallbackMessage: opened.fallbackMessage,
      });
      const scalars = await this.openScalars(runDir, session.position().globalStep);
      const callbacks = defaultCallbacks({
        session,
        runDir,
        emit: this.options.emit,
        now: this.now,
        scalars,
      });
      await new RunDriver(session, this, this.options.emit, this.now, callbacks, {
        stopAfterSteps,
        checkpointEveryMs: session.checkpointEveryMinutes * 60_000,
        lastCheckpoint: opened.resumedFrom,
        epochLossesSoFar: lossesOfCurrentEpoch(session, steps),
        deferredEpochLosses: deferredEpoch(session, opened.history, steps),
      }).drive();
    } catch (err) {
      this.options.emit({
        type: 'error',
        message: err instanceof Error ? err.message : String(err),
        fatal: true,
        runName: session?.runName ?? null,
      });
    } finally {
      session?.dispose();
      this.running = false;
      this.settleRequest = null;
    }
  }

  /** TensorBoard is a side channel: failing to open it is a warning, never the run's end. */
  private async openScalars(runDir: string, globalStep: number): Promise<ScalarWriter | null> {
    try {
      return (await this.options.openScalars?.(runDir, globalStep)) ?? null;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.options.emit({ type: 'log', level: 'warn', message: `No TensorBoard logs: ${reason}` });
      return null;
    }
  }

  /** The pending pause/stop request, if any (read by the driver between steps). */
  pendingSettle(): SettleRequest | null {
    return this.settleRequest;
  }
}

/**
 * On (re)start the files must match the restored checkpoint: epoch metrics come from the
 * checkpoint's own history (a crash between checkpoint and append cannot lose a line), and
 * step losses past the checkpoint belong to lost work.
 */
async function reconcileHistory(
  runDir: string,
  globalStep: number,
  history: readonly EpochMetrics[],
): Promise<StepLossLine[]> {
  const paths = runPaths(runDir);
  await writeFileAtomic(paths.metrics, history.map((m) => `${JSON.stringify(m)}\n`).join(''));
  return retainJsonLines(paths.steps, StepLossLine, (s) => s.step <= globalStep);
}

function lossesBetween(steps: readonly StepLossLine[], after: number, upTo: number): LossSum {
  const sum: LossSum = { sum: 0, n: 0 };
  for (const line of steps) {
    if (line.step <= after || line.step > upTo) continue;
    const n = line.n ?? 1;
    sum.sum += line.loss * n;
    sum.n += n;
  }
  return sum;
}

/** A run resumed mid-epoch still reports the whole epoch's mean train loss. */
function lossesOfCurrentEpoch(session: TrainingSession, steps: readonly StepLossLine[]): LossSum {
  const pos = session.position();
  return lossesBetween(steps, pos.globalStep - pos.stepInEpoch, pos.globalStep);
}

/**
 * A pause that lands on an epoch-ending step does not wait for validation (it can take far
 * longer than a step): the epoch's metrics are computed first thing on resume instead. Returns
 * that epoch's step losses when this is such a resume, else null.
 */
function deferredEpoch(
  session: TrainingSession,
  history: readonly EpochMetrics[],
  steps: readonly StepLossLine[],
): LossSum | null {
  const pos = session.position();
  if (!session.hasValidation || pos.stepInEpoch !== 0 || pos.epoch === 0) return null;
  if (history.some((m) => m.epoch === pos.epoch)) return null;
  return lossesBetween(steps, pos.globalStep - session.stepsPerEpoch, pos.globalStep);
}

interface LossSum {
  sum: number;
  n: number;
}

/**
 * One session's loop. Its decisions: validate and checkpoint at each epoch end (deferring both
 * when a pause lands on an epoch-ending step), a timer checkpoint every
 * `checkpointEveryMinutes`, and settling (pause/stop/finish/`stopAfterSteps`) between steps
 * with a final checkpoint unless the last one already holds this step.
 */
class RunDriver {
  private lastCheckpointAt: number;
  private lastLoss: number | null = null;
  private epochStartedAt: number;
  private epochLosses: LossSum;
  private lastCheckpoint: CheckpointInfo | null;
  /** The last validation of this session: when it ended and how long it took (ms). */
  private lastValidation: { endedAt: number; ms: number } | null = null;

  constructor(
    private readonly session: TrainingSession,
    private readonly loop: WorkerLoop,
    private readonly emit: (event: WorkerEvent) => void,
    private readonly now: () => number,
    private readonly callbacks: readonly LoopCallback[],
    private readonly opts: {
      stopAfterSteps: number | null;
      checkpointEveryMs: number;
      lastCheckpoint: CheckpointInfo | null;
      epochLossesSoFar: LossSum;
      deferredEpochLosses: LossSum | null;
    },
  ) {
    this.epochLosses = { ...opts.epochLossesSoFar };
    this.lastCheckpointAt = now();
    this.epochStartedAt = now();
    this.lastCheckpoint = opts.lastCheckpoint;
  }

  async drive(): Promise<void> {
    if (this.opts.deferredEpochLosses) {
      // `seconds` of this epoch then only covers its validation; the steps ran before the pause.
      const current = this.epochLosses;
      this.epochLosses = { ...this.opts.deferredEpochLosses };
      await this.endEpoch();
      this.epochLosses = current;
    }
    for (;;) {
      const settle = this.loop.pendingSettle();
      if (settle) return this.settle(settle === 'pause' ? 'paused' : 'stopped', settle);
      const { globalStep } = this.session.position();
      if (globalStep >= this.session.totalSteps) return this.settle('finished', 'finish');
      if (this.opts.stopAfterSteps !== null && globalStep >= this.opts.stopAfterSteps) {
        return this.settle('paused', 'pause');
      }
      // Wall time of the step itself, for callbacks; the loop's decisions use `now` (which
      // tests drive), so measuring here must not read it.
      const startedAt = performance.now();
      const outcome = await this.session.step();
      await this.afterStep(outcome, (performance.now() - startedAt) / 1000);
    }
  }

  private async afterStep(outcome: StepOutcome, seconds: number): Promise<void> {
    const position = this.session.position();
    this.lastLoss = outcome.loss;
    this.epochLosses.sum += outcome.loss;
    this.epochLosses.n += 1;
    for (const callback of this.callbacks) callback.onStepEnd?.({ outcome, position, seconds });
    if (outcome.epochEnded && this.loop.pendingSettle() && this.session.hasValidation) {
      // Pause/stop now; this epoch's validation runs on resume (see deferredEpoch).
      return;
    } else if (outcome.epochEnded) {
      await this.endEpoch();
    } else if (this.now() - this.lastCheckpointAt >= this.opts.checkpointEveryMs) {
      await this.checkpoint('timer', null);
    } else {
      for (const callback of this.callbacks) await callback.onQuietStep?.();
    }
  }

  private async endEpoch(): Promise<void> {
    const pos = this.session.position();
    const validation = this.validationDue() ? await this.timedValidation() : null;
    const trainLoss = this.epochLosses.n > 0 ? this.epochLosses.sum / this.epochLosses.n : 0;
    const metrics = EpochMetrics.parse({
      runName: this.session.runName,
      epoch: pos.epoch,
      globalStep: pos.globalStep,
      trainLoss,
      valLoss: validation?.valLoss ?? null,
      mIoU: validation?.mIoU ?? null,
      pixelAccuracy: validation?.pixelAccuracy ?? null,
      meanClassAccuracy: validation?.meanClassAccuracy ?? null,
      ...(validation?.classIoU && { classIoU: validation.classIoU }),
      seconds: (this.now() - this.epochStartedAt) / 1000,
      at: Date.now(),
    });
    // Checkpoint first: a metrics line never refers to work that a crash could lose.
    await this.checkpoint('epoch', metrics.mIoU, metrics);
    for (const callback of this.callbacks) await callback.onEpochEnd?.(metrics);
    this.epochLosses = { sum: 0, n: 0 };
    this.epochStartedAt = this.now();
  }

  /** See TrainingSession.validationShare. */
  private validationDue(): boolean {
    if (!this.session.hasValidation) return false;
    const share = this.session.validationShare ?? null;
    const last = this.lastValidation;
    if (share === null || last === null) return true;
    if (this.session.position().globalStep >= this.session.totalSteps) return true;
    return this.now() - last.endedAt >= (last.ms * (1 - share)) / share;
  }

  private async timedValidation(): Promise<ValidationOutcome | null> {
    const startedAt = this.now();
    const validation = await this.session.validate();
    const endedAt = this.now();
    this.lastValidation = { endedAt, ms: endedAt - startedAt };
    return validation;
  }

  private async checkpoint(
    reason: string,
    mIoU: number | null,
    epochMetrics?: EpochMetrics,
  ): Promise<void> {
    for (const callback of this.callbacks) await callback.beforeCheckpoint?.();
    const written = await this.session.saveCheckpoint({
      reason,
      mIoU,
      ...(epochMetrics && { epochMetrics }),
    });
    for (const checkpoint of written) {
      if (checkpoint.kind === 'last') this.lastCheckpoint = checkpoint;
      this.emit({ type: 'checkpoint', checkpoint });
    }
    this.lastCheckpointAt = this.now();
  }

  private async settle(
    event: 'paused' | 'stopped' | 'finished',
    reason: SettleRequest | 'finish',
  ): Promise<void> {
    const pos = this.session.position();
    // An epoch-end checkpoint at this very step already holds everything: do not rotate
    // `previous` onto an identical copy.
    const upToDate = this.lastCheckpoint?.globalStep === pos.globalStep;
    for (const callback of this.callbacks) await callback.onSettle?.(pos);
    if (!upToDate) await this.checkpoint(reason, null);
    const position: RunPosition = {
      runName: this.session.runName,
      epoch: pos.epoch,
      stepInEpoch: pos.stepInEpoch,
      globalStep: pos.globalStep,
      totalSteps: this.session.totalSteps,
      loss: this.lastLoss,
      checkpoint: this.lastCheckpoint,
      numTensors: this.session.numTensors(),
    };
    this.emit({ type: event, position });
  }
}
