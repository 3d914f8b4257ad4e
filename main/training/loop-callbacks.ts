/**
 * Everything the run loop does besides stepping, validating and checkpointing, as callbacks in
 * one fixed list: live progress with speed and ETA, the step-loss log (steps.jsonl) and the
 * epoch history (metrics.jsonl and `epoch` events), TensorBoard scalars. Adding one (say, a metrics exporter) is one
 * class implementing LoopCallback plus one entry in `defaultCallbacks`.
 *
 * Tensor ownership: callbacks only ever see plain numbers. Every tensor stays with the
 * session, which frees it; a callback has nothing to dispose.
 */
import { z } from 'zod';
import type { EpochMetrics, StepProgress } from '../../shared/contracts/training';
import type { ScalarWriter } from '../engine/tensorboard';
import type { WorkerEvent } from '../../shared/worker/protocol';
import { appendJsonLines } from './jsonl';
import { runPaths } from './run-folder';
import type { RunPositionNow, StepOutcome, TrainingSession } from './session';

/**
 * Step-loss history line in steps.jsonl: mean loss of the `n` steps ending at `step`, the
 * learning rate of its last step and the images per second over its steps (older runs' lines
 * have neither: a settled run's header shows them from its last line).
 */
export const StepLossLine = z.object({
  step: z.number().int(),
  loss: z.number(),
  n: z.number().int().min(1).optional(),
  lr: z.number().optional(),
  imgPerSec: z.number().optional(),
});
export type StepLossLine = z.infer<typeof StepLossLine>;

export const PROGRESS_INTERVAL_MS = 250;
/** At most this many lines per run in steps.jsonl: long runs aggregate several steps a line. */
export const MAX_STEP_LINES = 5000;
const STEPS_FLUSH_MS = 5000;

/** One finished optimizer step, as callbacks see it. */
export interface StepEnd {
  readonly outcome: StepOutcome;
  /** Where the run stands after the step (an epoch-ending step shows the next epoch's 0). */
  readonly position: RunPositionNow;
  /** Wall time of the step (data wait included), in seconds. */
  readonly seconds: number;
}

/**
 * A participant in the run loop. The loop calls the callbacks of its list in order, awaits each
 * call, and never overlaps two calls. Every member is optional; none may call the session (the
 * loop owns it) or throw for a condition the run should survive (a throw ends the session as a
 * fatal error, like a failed step).
 */
export interface LoopCallback {
  /** After every optimizer step, before the loop acts on it (epoch end, timer, settle). */
  onStepEnd?(step: StepEnd): void;
  /** After a step that led to no checkpoint or epoch end: periodic work (a timed flush). */
  onQuietStep?(): Promise<void>;
  /** Right before each checkpoint write: make durable everything the checkpoint will cover. */
  beforeCheckpoint?(): Promise<void>;
  /**
   * After an epoch's checkpoint, which already holds `metrics`: record or publish them. Never
   * earlier, so no record ever refers to work that a crash could still lose.
   */
  onEpochEnd?(metrics: EpochMetrics): Promise<void>;
  /** The session is settling (pause, stop, finish), before its final checkpoint: flush all. */
  onSettle?(position: RunPositionNow): Promise<void>;
}

/** What a callback may be built from: the run's session (for its fixed shape), its folder. */
export interface CallbackContext {
  readonly session: TrainingSession;
  readonly runDir: string;
  readonly emit: (event: WorkerEvent) => void;
  readonly now: () => number;
  /** The run's TensorBoard writer (already trimmed to the restored step); null: none. */
  readonly scalars: ScalarWriter | null;
}

/** The loop's callbacks, in the order they run. */
export function defaultCallbacks(ctx: CallbackContext): LoopCallback[] {
  const paths = runPaths(ctx.runDir);
  return [
    new StepLog(paths.steps, ctx.session.totalSteps, ctx.now),
    new ProgressReporter(ctx.session, ctx.emit, ctx.now),
    new EpochHistory(paths.metrics, ctx.session, ctx.emit),
    ...(ctx.scalars ? [new TensorBoardScalars(ctx.scalars, ctx.now, ctx.emit)] : []),
  ];
}

/**
 * TensorBoard scalars at the run's global step: per step `train/loss`, `train/learning_rate`
 * and `train/step_seconds`; per epoch `epoch/train_loss`, `val/loss`, `val/mIoU`,
 * `val/pixel_accuracy`, `val/mean_class_accuracy` and `val/IoU/<class>`. Flushed on the same
 * rhythm as steps.jsonl, so a resume trims both to the restored checkpoint alike.
 */
export class TensorBoardScalars implements LoopCallback {
  private lastFlushAt: number;
  private failed = false;

  constructor(
    private readonly writer: ScalarWriter,
    private readonly now: () => number,
    private readonly emit: (event: WorkerEvent) => void,
  ) {
    this.lastFlushAt = now();
  }

  onStepEnd({ outcome, position, seconds }: StepEnd): void {
    const step = position.globalStep;
    this.write(
      [
        ['train/loss', outcome.loss],
        ['train/learning_rate', outcome.lr],
        ['train/step_seconds', seconds],
      ],
      step,
    );
  }

  async onQuietStep(): Promise<void> {
    if (this.now() - this.lastFlushAt >= STEPS_FLUSH_MS) this.flush();
  }

  async beforeCheckpoint(): Promise<void> {
    this.flush();
  }

  async onEpochEnd(m: EpochMetrics): Promise<void> {
    const classes = (m.classIoU ?? []).map((c): Point => [`val/IoU/${c.name}`, c.iou]);
    this.write(
      [
        ['epoch/train_loss', m.trainLoss],
        ['val/loss', m.valLoss],
        ['val/mIoU', m.mIoU],
        ['val/pixel_accuracy', m.pixelAccuracy],
        ['val/mean_class_accuracy', m.meanClassAccuracy],
        ...classes,
      ],
      m.globalStep,
    );
    this.flush();
  }

  async onSettle(): Promise<void> {
    this.flush();
  }

  /** An undefined metric (no val split, a class absent from truth and prediction) has no point. */
  private write(points: readonly Point[], step: number): void {
    this.guarded(() => {
      for (const [tag, value] of points) if (value !== null) this.writer.scalar(tag, value, step);
    });
  }

  private flush(): void {
    this.lastFlushAt = this.now();
    this.guarded(() => this.writer.flush());
  }

  /** A failing TensorBoard writer (disk full...) is reported once; the run trains on. */
  private guarded(write: () => void): void {
    if (this.failed) return;
    try {
      write();
    } catch (err) {
      this.failed = true;
      const reason = err instanceof Error ? err.message : String(err);
      this.emit({ type: 'log', level: 'warn', message: `TensorBoard logging stopped: ${reason}` });
    }
  }
}

type Point = readonly [tag: string, value: number | null];

/** Throttled (~4/s) `progress` events with smoothed loss, speed and ETAs; epoch ends always. */
export class ProgressReporter implements LoopCallback {
  private readonly speed = new SpeedMeter();
  private lastProgressAt = -Infinity;
  private lossSmoothed: number | null = null;
  /** The latest step that the throttle kept quiet, reported on settle. */
  private unreported: StepEnd | null = null;

  constructor(
    private readonly session: TrainingSession,
    private readonly emit: (event: WorkerEvent) => void,
    private readonly now: () => number,
  ) {}

  onStepEnd(step: StepEnd): void {
    const { outcome, position } = step;
    this.lossSmoothed =
      this.lossSmoothed === null ? outcome.loss : 0.95 * this.lossSmoothed + 0.05 * outcome.loss;
    this.speed.add(this.now(), outcome.images);
    const t = this.now();
    if (!outcome.epochEnded && t - this.lastProgressAt < PROGRESS_INTERVAL_MS) {
      this.unreported = step;
      return;
    }
    this.lastProgressAt = t;
    this.unreported = null;
    this.emit({ type: 'progress', progress: this.progress(outcome, position) });
  }

  /**
   * The run stops where its final checkpoint is: the steps the throttle skipped since the last
   * event are reported now, so every display (app header, CLI bar) ends on the checkpoint's step.
   */
  async onSettle(): Promise<void> {
    const last = this.unreported;
    this.unreported = null;
    if (last) this.emit({ type: 'progress', progress: this.progress(last.outcome, last.position) });
  }

  private progress(outcome: StepOutcome, pos: RunPositionNow): StepProgress {
    const s = this.session;
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

/** Epoch metrics: one metrics.jsonl line and one `epoch` event (with the live tensor count). */
export class EpochHistory implements LoopCallback {
  constructor(
    private readonly file: string,
    private readonly session: TrainingSession,
    private readonly emit: (event: WorkerEvent) => void,
  ) {}

  async onEpochEnd(metrics: EpochMetrics): Promise<void> {
    await appendJsonLines(this.file, [metrics]);
    this.emit({ type: 'epoch', metrics, numTensors: this.session.numTensors() });
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

function emptyBucket() {
  return { sum: 0, n: 0, lr: 0, images: 0, seconds: 0 };
}

/**
 * Buffers step losses and appends them to steps.jsonl, one line per `every` steps (aligned on
 * absolute step numbers so resumed runs line up), flushed before each checkpoint and every few
 * seconds. Bounded to about MAX_STEP_LINES lines per run.
 */
export class StepLog implements LoopCallback {
  private readonly every: number;
  private pending: StepLossLine[] = [];
  private bucket = emptyBucket();
  private lastFlushAt: number;

  constructor(
    private readonly file: string,
    totalSteps: number,
    private readonly now: () => number,
  ) {
    this.every = Math.max(1, Math.ceil(totalSteps / MAX_STEP_LINES));
    this.lastFlushAt = now();
  }

  onStepEnd({ outcome, position, seconds }: StepEnd): void {
    this.bucket.sum += outcome.loss;
    this.bucket.n += 1;
    this.bucket.lr = outcome.lr;
    this.bucket.images += outcome.images;
    this.bucket.seconds += seconds;
    if (position.globalStep % this.every === 0) this.closeBucket(position.globalStep);
  }

  async onQuietStep(): Promise<void> {
    if (this.now() - this.lastFlushAt >= STEPS_FLUSH_MS) await this.flush();
  }

  beforeCheckpoint(): Promise<void> {
    return this.flush();
  }

  /** The process is about to end: keep the losses of an unfinished bucket too. */
  async onSettle(position: RunPositionNow): Promise<void> {
    this.closeBucket(position.globalStep);
    await this.flush();
  }

  private closeBucket(step: number): void {
    if (this.bucket.n === 0) return;
    const { sum, n, lr, images, seconds } = this.bucket;
    const line: StepLossLine = { step, loss: sum / n };
    if (n > 1) line.n = n;
    line.lr = lr;
    if (seconds > 0) line.imgPerSec = images / seconds;
    this.pending.push(line);
    this.bucket = emptyBucket();
  }

  private async flush(): Promise<void> {
    this.lastFlushAt = this.now();
    const lines = this.pending;
    this.pending = [];
    await appendJsonLines(this.file, lines);
  }
}
