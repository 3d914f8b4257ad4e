/**
 * `Trainer`: the training loop of one run, one optimizer step per `step()`, with checkpoints
 * that hold everything needed to continue bit-exactly (`Trainer.resume`). Batches come from
 * batch-loader.ts, the tensor work of a step from train-step.ts, the choice and check of the
 * checkpoint to resume from from resume.ts.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { TrainingConfig, TrainingConfigOverrides } from '../../shared/training/config';
import { learningRateAt, stepsPerEpoch } from '../../shared/training/schedule';
import { TrainerState } from '../../shared/training/state';
import type { SampleSource } from '../dataset/source';
import { getTf, type Tf } from '../native/backend';
import { BatchLoader, nextPosition, upcomingPositions, type BatchPosition } from './batch-loader';
import {
  writeCheckpoint,
  type CheckpointPayload,
  type CheckpointWriteResult,
  type LoadedCheckpoint,
} from './checkpoint';
import { makeTrainingConfig } from './config';
import { resolveClassWeights } from './class-weights';
import { epochOrder, RNG_SCHEME } from './data';
import { buildModel, type LayersModel } from './models';
import { architectureOf } from './models/architecture';
import { namedWeights, writeNamedWeights } from './models/common';
import { LowResolutionPhase } from './low-resolution';
import { Adam, type NamedArray } from './optimizer';
import {
  assertStateFits,
  loadForResume,
  type ResumedCheckpoint,
  type ResumeOptions,
} from './resume';
import { Rng } from './rng';
import { optimizerStep, type StepResult } from './train-step';

export type { ResumedCheckpoint, ResumeOptions } from './resume';
export { NonFiniteLossError, type StepResult } from './train-step';
import { budgetClockFor, type BudgetClock } from './time-budget';
import { WeightAverage } from './weight-average';

export interface TrainerOptions {
  readonly train: SampleSource;
  /** Per-class loss weights (e.g. from dataset statistics); overrides config.classWeights. */
  readonly classWeights?: readonly number[];
  /** Initial weights by tfjs name (e.g. converted from the seed's .pt); partial allowed. */
  readonly initialWeights?: readonly NamedArray[];
  /** Max samples scanned when computing inverse-sqrt-frequency weights. Default 1000. */
  readonly classWeightSampleLimit?: number;
  readonly log?: (message: string) => void;
}

/**
 * Custom training loop. One `step()` = one optimizer step on one batch; the caller (worker /
 * CLI) decides to stop between steps and calls `saveCheckpoint`. Everything that influences
 * the run (weights, Adam m/v + iteration count, epoch/step counters, data order, RNG scheme,
 * schedule position) is in the checkpoint, so `Trainer.resume` continues bit-exactly.
 */
export class Trainer {
  readonly tf: Tf;
  readonly config: TrainingConfig;
  readonly model: LayersModel;
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly classWeights: readonly number[] | null;
  readonly stepsPerEpoch: number;
  /** Set by `Trainer.resume`: the checkpoint this trainer continues from. */
  resumed: ResumedCheckpoint | null = null;
  readonly budget: BudgetClock | null; // runs with config.timeBudgetSeconds (time-budget.ts)

  private readonly source: SampleSource;
  private readonly adam: Adam;
  private readonly average: WeightAverage | null; // config.emaDecay > 0 (weight-average.ts)
  private readonly weightsByName: Map<string, tfjs.LayerVariable>;
  private readonly log: (message: string) => void;
  private epochValue = 0;
  private stepInEpochValue = 0;
  private globalStepValue = 0;
  private order: number[];
  private metrics: unknown[] = [];
  private readonly loader: BatchLoader;
  private lowResolution: LowResolutionPhase | null; // while config.lowResolutionPhase lasts
  private trainSeconds = 0;
  private lastLoss: number | null = null;
  private lastLr: number;
  private disposed = false;
  private busy = false;

  private constructor(
    tf: Tf,
    config: TrainingConfig,
    source: SampleSource,
    classWeights: readonly number[] | null,
    log: (message: string) => void,
  ) {
    this.tf = tf;
    this.config = config;
    this.source = source;
    this.log = log;
    this.numClasses = source.classes.length;
    if (this.numClasses < 1) throw new Error(`train split '${source.split}' has no classes`);
    if (source.count < 1) throw new Error(`train split '${source.split}' has no samples`);
    this.classNames = source.classes.map((c) => c.name);
    if (classWeights && classWeights.length !== this.numClasses) {
      throw new Error(
        `classWeights has ${classWeights.length} entries, the dataset has ${this.numClasses} classes`,
      );
    }
    this.classWeights = classWeights;
    this.loader = new BatchLoader(source, config, classWeights, this.numClasses);
    this.stepsPerEpoch = stepsPerEpoch(source.count, config.batchSize);
    this.budget = budgetClockFor(config);
    const built = buildModel(tf, config, this.numClasses);
    this.model = built.model;
    this.weightsByName = new Map(this.model.weights.map((w) => [w.originalName, w]));
    const params = built.trainableNames.map((name) => ({
      name,
      variable: this.weightsByName.get(name)!.read() as tfjs.Variable,
    }));
    this.adam = new Adam(tf, params, config.optimizer);
    this.lowResolution = LowResolutionPhase.create(
      tf,
      config,
      this.model,
      this.numClasses,
      this.loader,
    );
    const { emaDecay } = config;
    this.average = emaDecay > 0 ? new WeightAverage(tf, this.weightsByName, emaDecay) : null;
    this.order = epochOrder(config.seed, 0, source.count);
    this.lastLr = learningRateAt(config.optimizer.lr, config.schedule, 0, this.totalSteps);
  }

  /** New run from a config (a preset name + overrides, or a full config). */
  static async create(
    configInput: TrainingConfig | TrainingConfigOverrides,
    opts: TrainerOptions,
  ): Promise<Trainer> {
    const tf = getTf();
    const config = makeTrainingConfig(configInput as TrainingConfigOverrides);
    const log = opts.log ?? ((): void => undefined);
    const weights = await resolveClassWeights(config, opts.train, {
      ...(opts.classWeights && { given: opts.classWeights }),
      sampleLimit: opts.classWeightSampleLimit ?? 1000,
      log,
    });
    const trainer = new Trainer(tf, config, opts.train, weights, log);
    if (opts.initialWeights) trainer.loadWeights(opts.initialWeights, { partial: true });
    return trainer;
  }

  /**
   * Continues a run from a checkpoint: the newest intact one, or `opts.from` when intact (with
   * `exact`, only that one). Each checkpoint skipped, and why, goes to `opts.onFallback` (else
   * `opts.log`). Throws when no checkpoint is usable or the one found does not fit.
   */
  static async resume(runDir: string, opts: ResumeOptions): Promise<Trainer> {
    const loaded = await loadForResume(runDir, opts);
    const state = TrainerState.parse(loaded.payload.state);
    const log = opts.log ?? ((): void => undefined);
    if (opts.onFallback) opts.onFallback(loaded.messages);
    else for (const m of loaded.messages) log(m);
    const config = opts.adjustConfig ? opts.adjustConfig(state.config) : state.config;
    const trainer = new Trainer(getTf(), config, opts.train, state.classWeights, log);
    try {
      trainer.restore(loaded.payload, `checkpoint ${loaded.dir}`);
    } catch (err) {
      trainer.dispose();
      throw err;
    }
    const { source, dir, manifest, messages } = loaded;
    trainer.resumed = { source, dir, manifest, messages };
    return trainer;
  }

  /** The slot `Trainer.resume` restored (`recovered`: a complete temp copy left by a crash). */
  get resumedFrom(): LoadedCheckpoint['source'] | null {
    return this.resumed?.source ?? null;
  }

  get epoch(): number {
    return this.epochValue;
  }
  get stepInEpoch(): number {
    return this.stepInEpochValue;
  }
  get globalStep(): number {
    return this.globalStepValue;
  }
  get finished(): boolean {
    return this.epochValue >= this.config.epochs || this.budget?.ended === true;
  }
  /** `stepsPerEpoch * epochs`, or the time budget's plan (see BudgetClock.plannedSteps). */
  get totalSteps(): number {
    const cap = this.stepsPerEpoch * this.config.epochs;
    return this.budget?.plannedSteps(this.globalStepValue, this.stepsPerEpoch, cap) ?? cap;
  }
  get metricsHistory(): readonly unknown[] {
    return this.metrics;
  }
  get optimizerIterations(): number {
    return this.adam.iterations;
  }

  /** Appends an (opaque, JSON) metrics entry; stored in checkpoints. */
  recordMetrics(entry: unknown): void {
    this.metrics.push(JSON.parse(JSON.stringify(entry)) as unknown);
  }

  /** Learning rate the next step will use. */
  private currentLearningRate(): number {
    const { optimizer, schedule } = this.config;
    const progress = this.budget?.progress();
    return learningRateAt(optimizer.lr, schedule, this.globalStepValue, this.totalSteps, progress);
  }

  /** One optimizer step on the next batch. */
  async step(): Promise<StepResult> {
    if (this.disposed) throw new Error('trainer is disposed');
    if (this.finished) throw new Error('training is finished');
    if (this.busy) throw new Error('a step or checkpoint is already in progress');
    this.busy = true;
    try {
      return await this.runStep();
    } finally {
      this.busy = false;
    }
  }

  private async runStep(): Promise<StepResult> {
    const started = performance.now();
    this.budget?.stepStarted();
    const pos: BatchPosition = { epoch: this.epochValue, stepInEpoch: this.stepInEpochValue };
    const phase = this.stepPhase();
    const batch = await phase.loader.take(pos, this.order);
    const dataWait = (performance.now() - started) / 1000;
    let next = nextPosition(pos, this.stepsPerEpoch);
    phase.loader.prefetch(this.upcoming(next));

    const lr = this.currentLearningRate();
    const loss = await optimizerStep(this.tf, {
      model: phase.model,
      adam: this.adam,
      batch,
      config: phase.config,
      lr,
      globalStep: this.globalStepValue + 1,
    });
    this.average?.update();

    this.globalStepValue += 1;
    const stepSeconds = (performance.now() - started) / 1000;
    // A spent budget ends the run here; a partial epoch counts as one, so it is validated.
    const spent = this.budget?.stepEnded(stepSeconds) === true;
    if (spent && next.stepInEpoch !== 0) next = { epoch: pos.epoch + 1, stepInEpoch: 0 };
    const epochEnded = next.epoch !== pos.epoch;
    this.epochValue = next.epoch;
    this.stepInEpochValue = next.stepInEpoch;
    if (epochEnded) this.order = epochOrder(this.config.seed, next.epoch, this.source.count);
    this.trainSeconds += stepSeconds;
    this.lastLoss = loss;
    this.lastLr = lr;
    return {
      globalStep: this.globalStepValue,
      epoch: pos.epoch,
      stepInEpoch: pos.stepInEpoch,
      stepsPerEpoch: this.stepsPerEpoch,
      totalSteps: this.totalSteps,
      epochEnded,
      finished: this.finished,
      loss,
      lr,
      batchSize: this.config.batchSize,
      inputSize: phase.config.inputSize,
      stepSeconds,
      dataWaitSeconds: dataWait,
    };
  }

  /**
   * What trains the step about to start: the low-resolution copy while its phase lasts (by
   * the budget's progress, else by steps), then the model itself for good.
   */
  private stepPhase(): { model: LayersModel; loader: BatchLoader; config: TrainingConfig } {
    const low = this.lowResolution;
    if (low) {
      const progress = this.budget?.progress() ?? this.globalStepValue / this.totalSteps;
      if (low.activeAt(progress)) return low;
      low.loader.clear();
      this.lowResolution = null;
      this.log(`low-resolution phase over at step ${this.globalStepValue}: training at full size`);
    }
    return { model: this.model, loader: this.loader, config: this.config };
  }

  /** The network per-epoch validation should run: the one that trains now (see stepPhase). */
  get validationModel(): LayersModel {
    return this.lowResolution?.model ?? this.model;
  }

  /** The next `loader.depth` batch positions from `pos` that are inside the run. */
  private upcoming(pos: BatchPosition): { pos: BatchPosition; order: readonly number[] }[] {
    const { seed, epochs } = this.config;
    const orderFor = (e: number) =>
      e === this.epochValue ? this.order : epochOrder(seed, e, this.source.count);
    return upcomingPositions(pos, this.loader.depth, this.stepsPerEpoch, epochs, orderFor);
  }

  /** Runs `fn` (validation, not training) with the run's judged weights (the EMA if on). */
  withEvalWeights<T>(fn: () => Promise<T>): Promise<T> {
    return this.average ? this.average.withAverage(fn) : fn();
  }

  /** Current training weights by stable name (includes BatchNorm moving statistics). */
  getWeights(): Promise<NamedArray[]> {
    return Promise.resolve(namedWeights(this.model));
  }

  /**
   * Overwrites model weights by name. With `partial`, names that are absent are left alone
   * (unknown names are always an error); shapes must match.
   */
  loadWeights(weights: readonly NamedArray[], opts: { partial?: boolean } = {}): void {
    writeNamedWeights(this.tf, this.weightsByName, weights, opts.partial === true);
    // The average follows the loaded weights (restore() then sets it from the checkpoint).
    this.average?.restart();
  }

  /** Complete state for a checkpoint: JSON state + model weights + optimizer slots. */
  async getState(): Promise<CheckpointPayload & { state: TrainerState }> {
    const orderRng = Rng.derive(this.config.seed, 'order', this.epochValue);
    orderRng.permutation(this.source.count);
    const state: TrainerState = {
      format: 'segstudio-trainer-state',
      version: 1,
      config: this.config,
      architecture: architectureOf(this.config.preset),
      numClasses: this.numClasses,
      classNames: [...this.classNames],
      classWeights: this.classWeights ? [...this.classWeights] : null,
      epoch: this.epochValue,
      stepInEpoch: this.stepInEpochValue,
      globalStep: this.globalStepValue,
      stepsPerEpoch: this.stepsPerEpoch,
      totalSteps: this.totalSteps,
      data: {
        rngScheme: RNG_SCHEME,
        seed: this.config.seed,
        trainCount: this.source.count,
        order: [...this.order],
        orderRngState: [...orderRng.getState()] as [number, number, number, number],
      },
      schedule: {
        globalStep: this.globalStepValue,
        totalSteps: this.totalSteps,
        lastLr: this.lastLr,
      },
      optimizer: { type: 'adam', iterations: this.adam.iterations },
      metricsHistory: [...this.metrics],
      trainSeconds: this.trainSeconds,
      lastLoss: this.lastLoss,
      ...(this.config.lowResolutionPhase && { lowResolutionOver: !this.lowResolution }),
      ...(this.budget && { budget: this.budget.state() }),
    };
    // With an EMA the model is the average; the training weights ride with the optimizer's.
    const model = this.average ? await this.average.averaged() : await this.getWeights();
    const optimizer = [...(await this.adam.getSlots()), ...(this.average?.raw() ?? [])];
    return { state, model, optimizer };
  }

  /**
   * Restores a state produced by `getState` (same preset, layout, input size and classes).
   * `where` names the checkpoint in errors.
   */
  restore(payload: CheckpointPayload, where = 'the checkpoint'): void {
    const state = TrainerState.parse(payload.state);
    assertStateFits(state, payload, {
      config: this.config,
      numClasses: this.numClasses,
      model: this.model,
      where,
    });
    this.loadWeights(payload.model);
    this.adam.setState(state.optimizer.iterations, payload.optimizer);
    if (this.average && !this.average.restore(payload.optimizer, state.globalStep)) {
      this.log(`${where} has no training weights beside its average: continuing from the average`);
    }
    this.loader.clear();
    this.lowResolution?.loader.clear();
    if (state.lowResolutionOver) this.lowResolution = null;
    this.epochValue = state.epoch;
    this.globalStepValue = state.globalStep;
    this.metrics = [...state.metricsHistory];
    this.trainSeconds = state.trainSeconds;
    this.lastLoss = state.lastLoss;
    this.lastLr = state.schedule.lastLr;
    if (this.budget && state.budget) this.budget.restore(state.budget);
    if (state.data.trainCount === this.source.count && state.stepsPerEpoch === this.stepsPerEpoch) {
      this.stepInEpochValue = state.stepInEpoch;
      this.order = [...state.data.order];
    } else {
      // The train split changed size since the checkpoint: continue at the start of the next
      // epoch with a fresh order (exact resume is impossible with different data).
      this.log(
        `train split has ${this.source.count} samples, checkpoint was written with ${state.data.trainCount}; continuing from the next epoch`,
      );
      if (state.stepInEpoch > 0) this.epochValue += 1;
      this.stepInEpochValue = 0;
      this.order = epochOrder(this.config.seed, this.epochValue, this.source.count);
    }
  }

  /**
   * Writes a checkpoint of the current state. Call between steps (never concurrently with
   * `step()`: that throws). `metric` (higher is better, e.g. val mIoU) also updates `best`
   * when it beats the metric stored in `best`.
   */
  async saveCheckpoint(
    runDir: string,
    reason: string,
    opts: { metric?: number | null } = {},
  ): Promise<CheckpointWriteResult> {
    if (this.busy) throw new Error('a step or checkpoint is already in progress');
    this.busy = true;
    try {
      const payload = await this.getState();
      const result = await writeCheckpoint(runDir, payload, {
        reason,
        globalStep: this.globalStepValue,
        epoch: this.epochValue,
        stepInEpoch: this.stepInEpochValue,
        metric: opts.metric ?? null,
      });
      return result;
    } finally {
      this.busy = false;
    }
  }

  /** Frees the model and optimizer tensors. The trainer is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.loader.clear();
    this.lowResolution?.loader.clear();
    this.adam.dispose();
    this.average?.dispose();
    this.model.dispose();
  }
}
