import { z } from 'zod';
import {
  EpochMetrics,
  type CheckpointInfo,
  type StepProgress,
} from '../../shared/contracts/training';
import type { RunMode, SettleRequest } from '../../shared/training/state';
import type { RunPosition, WorkerEvent } from '../../shared/worker/protocol';
import { writeFileAtomic } from '../fs/atomic';
import { appendJsonLines, retainJsonLines } from './jsonl';
import { runPaths } from './run-folder';
import type { OpenSession, StepOutcome, TrainingSession } from './session';

/** Step-loss history line in steps.jsonl: mean loss of the `n` steps ending at `step`. */
export const StepLossLine = z.object({
  step: z.number().int(),
  loss: z.number(),
  n: z.number().int().min(1).optional(),
});
export type StepLossLine = z.infer<typeof StepLossLine>;

export const PROGRESS_INTERVAL_MS = 250;
/** At most this many lines per run in steps.jsonl: long runs aggregate several steps a line. */
export const MAX_STEP_LINES = 5000;
const STEPS_FLUSH_MS = 5000;

export interface LoopOptions {
  readonly emit: (event: WorkerEvent) => void;
  readonly openSession: OpenSession;
  readonly now?: () => number;
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
      await new RunDriver(session, runDir, this, this.options.emit, this.now, {
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

class RunDriver {
  private readonly stepLog: StepLog;
  private readonly speed = new SpeedMeter();
  private lastProgressAt = -Infinity;
  private lastCheckpointAt: number;
  private lossSmoothed: number | null = null;
  private lastLoss: number | null = null;
  private epochStartedAt: number;
  private epochLosses: LossSum;
  private lastCheckpoint: CheckpointInfo | null;

  constructor(
    private readonly session: TrainingSession,
    private readonly runDir: string,
    private readonly loop: WorkerLoop,
    private readonly emit: (event: WorkerEvent) => void,
    private readonly now: () => number,
    private readonly opts: {
      stopAfterSteps: number | null;
      checkpointEveryMs: number;
      lastCheckpoint: CheckpointInfo | null;
      epochLossesSoFar: LossSum;
      deferredEpochLosses: LossSum | null;
    },
  ) {
    this.epochLosses = { ...opts.epochLossesSoFar };
    this.stepLog = new StepLog(runPaths(runDir).steps, session.totalSteps, now);
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
      const outcome = await this.session.step();
      await this.afterStep(outcome);
    }
  }

  private async afterStep(outcome: StepOutcome): Promise<void> {
    const pos = this.session.position();
    this.lastLoss = outcome.loss;
    this.lossSmoothed =
      this.lossSmoothed === null ? outcome.loss : 0.95 * this.lossSmoothed + 0.05 * outcome.loss;
    this.epochLosses.sum += outcome.loss;
    this.epochLosses.n += 1;
    this.speed.add(this.now(), outcome.images);
    this.stepLog.add(pos.globalStep, outcome.loss);
    this.maybeEmitProgress(outcome, outcome.epochEnded);
    if (outcome.epochEnded && this.loop.pendingSettle() && this.session.hasValidation) {
      // Pause/stop now; this epoch's validation runs on resume (see deferredEpoch).
      return;
    } else if (outcome.epochEnded) {
      await this.endEpoch();
    } else if (this.now() - this.lastCheckpointAt >= this.opts.checkpointEveryMs) {
      await this.checkpoint('timer', null);
    } else {
      await this.stepLog.maybeFlush();
    }
  }

  private async endEpoch(): Promise<void> {
    const pos = this.session.position();
    const validation = this.session.hasValidation ? await this.session.validate() : null;
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
      seconds: (this.now() - this.epochStartedAt) / 1000,
      at: Date.now(),
    });
    // Checkpoint first: a metrics line never refers to work that a crash could lose.
    await this.checkpoint('epoch', metrics.mIoU, metrics);
    await appendJsonLines(runPaths(this.runDir).metrics, [metrics]);
    this.emit({ type: 'epoch', metrics, numTensors: this.session.numTensors() });
    this.epochLosses = { sum: 0, n: 0 };
    this.epochStartedAt = this.now();
  }

  private async checkpoint(
    reason: string,
    mIoU: number | null,
    epochMetrics?: EpochMetrics,
  ): Promise<void> {
    await this.stepLog.flush();
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
    reason: 'pause' | 'stop' | 'finish',
  ): Promise<void> {
    const pos = this.session.position();
    // An epoch-end checkpoint at this very step already holds everything: do not rotate
    // `previous` onto an identical copy.
    const upToDate = this.lastCheckpoint?.globalStep === pos.globalStep;
    this.stepLog.closePartial(pos.globalStep);
    if (!upToDate) await this.checkpoint(reason, null);
    await this.stepLog.flush();
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

  private maybeEmitProgress(outcome: StepOutcome, force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastProgressAt < PROGRESS_INTERVAL_MS) return;
    this.lastProgressAt = t;
    this.emit({ type: 'progress', progress: this.progress(outcome) });
  }

  private progress(outcome: StepOutcome): StepProgress {
    const s = this.session;
    const pos = s.position();
    const secondsPerStep = this.speed.secondsPerStep();
    // An epoch-ending step reports the finished epoch as complete rather than "step 0 of next".
    const epochDisplay = outcome.epochEnded ? pos.epoch : pos.epoch + 1;
    const stepInEpoch = outcome.epochEnded ? s.stepsPerEpoch : pos.stepInEpoch;
    const remainingEpoch = s.stepsPerEpoch - stepInEpoch;
    const remainingRun = s.totalSteps - pos.globalStep;
    return {
      runName: s.runName,
      epoch: epochDisplay,
      epochs: s.epochs,
      stepInEpoch,
      stepsPerEpoch: s.stepsPerEpoch,
      globalStep: pos.globalStep,
      totalSteps: s.totalSteps,
      loss: outcome.loss,
      lossSmoothed: this.lossSmoothed ?? outcome.loss,
      lr: outcome.lr,
      imgPerSec: this.speed.imagesPerSecond(),
      epochEtaSeconds: secondsPerStep === null ? null : remainingEpoch * secondsPerStep,
      runEtaSeconds: secondsPerStep === null ? null : remainingRun * secondsPerStep,
    };
  }
}

/** Speed over a sliding window of recent steps (so pauses/validation do not skew it for long). */
class SpeedMeter {
  private readonly samples: { at: number; images: number }[] = [];
  private static readonly WINDOW = 20;

  add(at: number, images: number): void {
    this.samples.push({ at, images });
    if (this.samples.length > SpeedMeter.WINDOW + 1) this.samples.shift();
  }

  private span(): { seconds: number; steps: number; images: number } | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || this.samples.length < 2) return null;
    const seconds = (last.at - first.at) / 1000;
    if (seconds <= 0) return null;
    const images = this.samples.slice(1).reduce((a, s) => a + s.images, 0);
    return { seconds, steps: this.samples.length - 1, images };
  }

  secondsPerStep(): number | null {
    const span = this.span();
    return span ? span.seconds / span.steps : null;
  }

  imagesPerSecond(): number {
    const span = this.span();
    return span ? span.images / span.seconds : 0;
  }
}

/**
 * Buffers step losses and appends them to steps.jsonl, one line per `every` steps (aligned on
 * absolute step numbers so resumed runs line up), flushed before each checkpoint and every few
 * seconds. Bounded to about MAX_STEP_LINES lines per run.
 */
class StepLog {
  private readonly every: number;
  private pending: StepLossLine[] = [];
  private bucket: { sum: number; n: number } = { sum: 0, n: 0 };
  private lastFlushAt: number;

  constructor(
    private readonly file: string,
    totalSteps: number,
    private readonly now: () => number,
  ) {
    this.every = Math.max(1, Math.ceil(totalSteps / MAX_STEP_LINES));
    this.lastFlushAt = now();
  }

  add(step: number, loss: number): void {
    this.bucket.sum += loss;
    this.bucket.n += 1;
    if (step % this.every === 0) this.closeBucket(step);
  }

  private closeBucket(step: number): void {
    if (this.bucket.n === 0) return;
    const line: StepLossLine = { step, loss: this.bucket.sum / this.bucket.n };
    if (this.bucket.n > 1) line.n = this.bucket.n;
    this.pending.push(line);
    this.bucket = { sum: 0, n: 0 };
  }

  /** The process is about to end: keep the losses of an unfinished bucket too. */
  closePartial(step: number): void {
    this.closeBucket(step);
  }

  async maybeFlush(): Promise<void> {
    if (this.now() - this.lastFlushAt >= STEPS_FLUSH_MS) await this.flush();
  }

  async flush(): Promise<void> {
    this.lastFlushAt = this.now();
    const lines = this.pending;
    this.pending = [];
    await appendJsonLines(this.file, lines);
  }
}
