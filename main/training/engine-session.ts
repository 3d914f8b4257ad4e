/**
 * The engine side of a training run: `openEngineSession` opens a run folder (dataset, splits,
 * fresh or restored Trainer) and hands the worker loop a `TrainingSession` backed by the real
 * Trainer, checkpoint store and validator. Runs inside the worker process.
 */
import { promises as fs } from 'node:fs';
import type { CheckpointKind } from '../../shared/contracts/common';
import { EpochMetrics, type CheckpointInfo } from '../../shared/contracts/training';
import type { TrainingConfig } from '../../shared/training/config';
import type { DatasetIndex } from '../dataset/dataset-index';
import type { SampleSource } from '../dataset/source';
import { checkpointsRoot } from '../engine/checkpoint';
import { validateModel } from '../engine/evaluate';
import { Trainer } from '../engine/trainer';
import { getTf } from '../native/backend';
import { checkpointInfo } from './checkpoint-info';
import { initialWeightsOf, type Log } from './initial-weights';
import { openRunDataset, splitSource } from './run-dataset';
import { readRunFile, type RunFile } from './run-folder';
import type {
  CheckpointRequest,
  OpenSession,
  OpenedSession,
  TrainingSession,
  ValidationOutcome,
} from './session';

export type { Log } from './initial-weights';

function valSource(index: DatasetIndex, run: RunFile, log: Log): SampleSource | null {
  if (run.valSplit === null) return null;
  if (!(run.valSplit in index.splits) || index.source(run.valSplit).count === 0) {
    log('warn', `No usable "${run.valSplit}" split: epochs end without validation metrics`);
    return null;
  }
  const unlabeled = index.unlabeledNote(run.valSplit);
  if (unlabeled) log('info', unlabeled);
  // Not a skipping source: one that replaced a bad sample by the next would count that one
  // twice; validate() leaves undecodable samples out instead (each counted once, or never).
  return index.source(run.valSplit);
}

/** Is there anything at all in the checkpoints folder (a usable or a damaged checkpoint)? */
async function hasAnyCheckpoint(runDir: string): Promise<boolean> {
  try {
    const names = await fs.readdir(checkpointsRoot(runDir));
    return names.some((n) => n === 'last' || n === 'previous' || n === 'best');
  } catch {
    return false;
  }
}

function historyOf(trainer: Trainer): EpochMetrics[] {
  return trainer.metricsHistory.flatMap((entry) => {
    const parsed = EpochMetrics.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

/**
 * The checkpoint's config, except what a user may change between sessions (run.json, e.g.
 * `segstudio resume --lr 1e-5 --epochs 80` after a divergence): learning rate and epochs.
 * Unchanged values keep the resume bit-exact.
 */
function resumeConfig(saved: TrainingConfig, current: TrainingConfig, log: Log): TrainingConfig {
  const lr = current.optimizer.lr;
  const epochs = current.epochs;
  if (lr !== saved.optimizer.lr) log('info', `learning rate ${saved.optimizer.lr} -> ${lr}`);
  if (epochs !== saved.epochs) log('info', `epochs ${saved.epochs} -> ${epochs}`);
  return { ...saved, epochs, optimizer: { ...saved.optimizer, lr } };
}

/**
 * `OpenSession` for the worker loop. `start` refuses a run folder that already has checkpoints;
 * `resume` restores the requested slot (`last`: the newest intact one, with a fallback message),
 * and starts over from step 0 when nothing was ever saved. `log` gets the notes a user should
 * see (`warn` for a missing val split).
 */
export const openEngineSession =
  (log: Log): OpenSession =>
  async (runDir, mode) => {
    const run = await readRunFile(runDir);
    const index = await openRunDataset(run);
    const train = splitSource(index, run.trainSplit, 'train', log);
    const val = valSource(index, run, log);
    const trainerLog = (message: string): void => log('info', message);

    const fresh = async (): Promise<OpenedSession> => {
      const initialWeights = await initialWeightsOf(run, train, log);
      const trainer = await Trainer.create(run.config, {
        train,
        log: trainerLog,
        ...(initialWeights && { initialWeights }),
      });
      return {
        session: new EngineSession(run, trainer, runDir, val, log),
        resumedFrom: null,
        history: [],
        fallbackMessage: null,
      };
    };
    if (mode.kind === 'start') {
      if (await hasAnyCheckpoint(runDir)) {
        throw new Error(`${runDir} already has checkpoints: resume the run instead of starting it`);
      }
      return fresh();
    }
    let trainer: Trainer;
    let skipped: readonly string[] = [];
    try {
      // `last`: the newest intact checkpoint; a chosen `best` / `previous`: that one or an error.
      trainer = await Trainer.resume(runDir, {
        train,
        from: mode.from,
        exact: true,
        adjustConfig: (saved) => resumeConfig(saved, run.config, log),
        log: trainerLog,
        onFallback: (messages) => (skipped = messages),
      });
    } catch (err) {
      // Nothing was ever saved (or only a torn first write): the run simply starts over.
      // Damaged checkpoints that did exist are an error the user must hear about.
      if (mode.from !== 'last' || (await hasAnyCheckpoint(runDir))) throw err;
      log('info', 'No checkpoint yet: the run starts from step 0');
      return fresh();
    }
    const { source, manifest } = trainer.resumed!;
    const kind: CheckpointKind = source === 'best' || source === 'previous' ? source : 'last';
    return {
      session: new EngineSession(run, trainer, runDir, val, log),
      resumedFrom: checkpointInfo(run.runName, kind, manifest, Date.parse(manifest.createdAt)),
      history: historyOf(trainer),
      fallbackMessage: skipped.length > 0 ? skipped.join('; ') : null,
    };
  };

class EngineSession implements TrainingSession {
  readonly runName: string;
  readonly stepsPerEpoch: number;
  readonly hasValidation: boolean;
  readonly checkpointEveryMinutes: number;
  readonly validationShare: number | null;
  private readonly undecodable = new Set<string>();

  constructor(
    run: RunFile,
    private readonly trainer: Trainer,
    private readonly runDir: string,
    private readonly val: SampleSource | null,
    private readonly log: Log,
  ) {
    this.runName = run.runName;
    this.stepsPerEpoch = trainer.stepsPerEpoch;
    this.hasValidation = val !== null;
    this.checkpointEveryMinutes = trainer.config.checkpointEveryMinutes;
    this.validationShare = trainer.config.validationShare;
  }

  // With a time budget both are re-planned after every step (see Trainer.totalSteps).
  get epochs(): number {
    const { trainer } = this;
    const planned = Math.max(1, Math.ceil(trainer.totalSteps / trainer.stepsPerEpoch));
    return trainer.budget ? Math.min(trainer.config.epochs, planned) : trainer.config.epochs;
  }

  get totalSteps(): number {
    return this.trainer.totalSteps;
  }

  position() {
    const t = this.trainer;
    return { epoch: t.epoch, stepInEpoch: t.stepInEpoch, globalStep: t.globalStep };
  }

  async step() {
    const r = await this.trainer.step();
    return { loss: r.loss, lr: r.lr, images: r.batchSize, epochEnded: r.epochEnded };
  }

  async validate(): Promise<ValidationOutcome | null> {
    if (!this.val) return null;
    const started = performance.now();
    // Per-epoch validation compares at the model's input size (in a low-resolution phase the
    // smaller one that trains): fast, and good enough to rank checkpoints; `evaluate` reports at the annotations' own resolution. The validation loss
    // is the training loss (same class weights, void ignored) on the unaugmented val split.
    const val = this.val;
    const { result, loss } = await this.trainer.withEvalWeights(() =>
      validateModel(this.trainer.validationModel, val, {
        normalization: this.trainer.config.normalization,
        batchSize: this.trainer.config.batchSize,
        flip: this.trainer.config.testTimeFlip,
        classWeights: this.trainer.classWeights,
        onUndecodable: (i, err) => this.reportUndecodable(i, err),
      }),
    );
    this.trainer.budget?.validationEnded((performance.now() - started) / 1000);
    return {
      valLoss: loss,
      mIoU: result.mIoU,
      pixelAccuracy: result.pixelAccuracy,
      meanClassAccuracy: result.meanClassAccuracy,
      classIoU: result.perClass.map((c) => ({ name: c.name, iou: c.iou })),
    };
  }

  /** Once per sample and session: validation leaves it out every epoch. */
  private reportUndecodable(sampleIndex: number, err: unknown): void {
    const id = this.val!.sampleId(sampleIndex);
    if (this.undecodable.has(id)) return;
    this.undecodable.add(id);
    const reason = err instanceof Error ? err.message : String(err);
    const n = this.undecodable.size;
    this.log(
      'warn',
      `Validation leaves out sample ${id} of split ${this.val!.split}: ${reason} (${n} sample${n === 1 ? '' : 's'} left out)`,
    );
  }

  async saveCheckpoint(request: CheckpointRequest): Promise<CheckpointInfo[]> {
    if (request.epochMetrics) this.trainer.recordMetrics(request.epochMetrics);
    const result = await this.trainer.saveCheckpoint(this.runDir, request.reason, {
      metric: request.mIoU,
    });
    const now = Date.now();
    const manifest = {
      ...this.position(),
      metric: request.mIoU,
      reason: request.reason,
    };
    const written = [checkpointInfo(this.runName, 'last', manifest, now)];
    if (result.bestUpdated) written.push(checkpointInfo(this.runName, 'best', manifest, now));
    return written;
  }

  numTensors(): number {
    return getTf().memory().numTensors;
  }

  dispose(): void {
    this.trainer.dispose();
  }
}
