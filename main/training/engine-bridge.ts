import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CheckpointKind } from '../../shared/contracts/common';
import { EpochMetrics, type CheckpointInfo } from '../../shared/contracts/training';
import { TrainerState } from '../../shared/training/state';
import type { TrainingConfig } from '../../shared/training/config';
import { isImageName } from '../dataset/dir-cache';
import { openDataset } from '../dataset/open';
import type { DatasetIndex } from '../dataset/dataset-index';
import type { SampleSource } from '../dataset/source';
import {
  checkpointDir,
  checkpointsRoot,
  loadLatestCheckpoint,
  readCheckpoint,
  verifyCheckpoint,
  type CheckpointManifest,
  type CheckpointPayload,
} from '../engine/checkpoint';
import { evaluateModel, validateModel, type EvalResult } from '../engine/evaluate';
import {
  exportModel,
  exportModelArchive,
  importModel,
  type ManifestFields,
} from '../engine/export';
import { checkClassesMatch } from '../engine/export-fields';
import { predictFiles } from '../engine/predict';
import { writeFileAtomic } from '../fs/atomic';
import { createZip } from '../fs/zip';
import type { ArchiveResult } from '../../shared/worker/protocol';
import { importSeedCheckpoint } from '../engine/convert-seed';
import { buildModel, type LayersModel } from '../engine/models';
import { architectureOf, assertArchitecture } from '../engine/models/architecture';
import type { NamedArray } from '../engine/optimizer';
import { Trainer } from '../engine/trainer';
import { getTf } from '../native/backend';
import { createMaskWriter, type WrittenMasks } from './eval-masks';
import { openProjectDataset, projectOfLabelsDir } from '../labels/open';
import { runCheckpointWeights } from './run-init';
import { isRunFolder, readRunFile, runPaths, type RunFile } from './run-folder';
import type {
  CheckpointRequest,
  OpenSession,
  OpenedSession,
  TrainingSession,
  ValidationOutcome,
} from './session';

/**
 * The only module through which the training host reaches the engine (Trainer, checkpoint
 * store, evaluator) and the dataset engine (openDataset). Runs inside the worker process.
 */

export type Log = (level: 'info' | 'warn', message: string) => void;

async function openRunDataset(run: RunFile): Promise<DatasetIndex> {
  const stat = await fs.stat(run.dataset.root).catch(() => null);
  if (!stat) {
    throw new Error(
      `Cannot open the dataset ${run.dataset.root}: the folder does not exist (moved or deleted?)`,
    );
  }
  if (!stat.isDirectory()) {
    throw new Error(`Cannot open the dataset ${run.dataset.root}: it is a file, not a folder`);
  }
  try {
    const openFiles = () =>
      openDataset(run.dataset.root, {
        ...(run.dataset.descriptor && { descriptor: run.dataset.descriptor }),
      });
    const { labelsDir, descriptor } = run.dataset;
    if (!labelsDir || !descriptor) return await openFiles();
    // The label-source seam: a project's edited masks win over the dataset's files.
    const opened = await openProjectDataset(projectOfLabelsDir(labelsDir), descriptor, openFiles);
    return opened.index;
  } catch (err) {
    throw new Error(`Cannot open the dataset ${run.dataset.root}: ${(err as Error).message}`);
  }
}

function splitSource(index: DatasetIndex, split: string, role: string): SampleSource {
  if (!(split in index.splits)) {
    const have = Object.keys(index.splits).join(', ') || 'none';
    throw new Error(`The dataset has no ${role} split "${split}" (splits: ${have})`);
  }
  const source = index.source(split);
  if (source.count === 0) throw new Error(`The ${role} split "${split}" has no usable samples`);
  return source;
}

function valSource(index: DatasetIndex, run: RunFile, log: Log): SampleSource | null {
  if (run.valSplit === null) return null;
  if (!(run.valSplit in index.splits) || index.source(run.valSplit).count === 0) {
    log('warn', `No usable "${run.valSplit}" split: epochs end without validation metrics`);
    return null;
  }
  return index.source(run.valSplit);
}

function checkpointInfo(
  runName: string,
  kind: CheckpointKind,
  m: Pick<CheckpointManifest, 'epoch' | 'stepInEpoch' | 'globalStep' | 'metric' | 'reason'>,
  savedAt: number,
): CheckpointInfo {
  return {
    runName,
    kind,
    epoch: m.epoch,
    stepInEpoch: m.stepInEpoch,
    globalStep: m.globalStep,
    mIoU: m.metric,
    savedAt,
    reason: m.reason,
  };
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
 * The seed's own PyTorch weights (e.g. weight21.pt) as the starting point of a fresh
 * seed-alexnet-fcn run, so its author can continue that very run here.
 */
async function seedWeights(run: RunFile, train: SampleSource, log: Log): Promise<NamedArray[]> {
  const file = run.initFrom!;
  if (run.config.preset !== 'seed-alexnet-fcn') {
    throw new Error(
      `${file}: seed weights need the seed-alexnet-fcn preset, not ${run.config.preset}`,
    );
  }
  const imported = await importSeedCheckpoint(file, {
    ...run.config.inputSize,
    classes: train.classes.length,
  });
  try {
    const weights = imported.model.weights.map((w) => ({
      name: w.originalName,
      shape: w.shape.map((d) => d ?? 0),
      data: new Float32Array(w.read().dataSync() as Float32Array),
    }));
    const ignored = imported.converted.ignored.length;
    log(
      'info',
      `initialised from ${file}: ${imported.converted.loaded.length} weights${ignored ? `, ${ignored} keys ignored` : ''}`,
    );
    return weights;
  } finally {
    imported.model.dispose();
  }
}

/** Does `--init` name an exported Seg Studio model (folder or ZIP) rather than a seed .pt? */
async function isExportedModel(location: string): Promise<boolean> {
  if (location.toLowerCase().endsWith('.zip')) return true;
  return (await fs.stat(location).catch(() => null))?.isDirectory() ?? false;
}

/**
 * Fine-tuning: the weights (BatchNorm statistics included) of a model exported by
 * `segstudio export` start a fresh run of the same preset, layout and classes; the optimizer
 * starts fresh. The input size may differ (both presets are fully convolutional).
 */
async function exportedWeights(run: RunFile, train: SampleSource, log: Log): Promise<NamedArray[]> {
  const location = run.initFrom!;
  const imported = await importModel(location);
  try {
    const { manifest } = imported;
    const preset = run.config.preset;
    if (manifest.preset !== preset) {
      throw new Error(
        `${location}: the model is a ${manifest.preset} network; this run trains ${preset} (use --preset ${manifest.preset})`,
      );
    }
    try {
      checkClassesMatch(manifest, train.classes, `the train split "${train.split}"`);
    } catch (err) {
      throw new Error(`${location}: ${(err as Error).message}`);
    }
    const weights = imported.model.weights.map((w) => ({
      name: w.originalName,
      shape: w.shape.map((d) => d ?? 0),
      data: new Float32Array(w.read().dataSync() as Float32Array),
    }));
    const { model: target } = buildModel(getTf(), run.config, train.classes.length);
    try {
      assertArchitecture({
        where: `model ${location}`,
        preset,
        saved: manifest.architecture,
        weights,
        model: target,
      });
    } finally {
      target.dispose();
    }
    log('info', `initialised from the exported model ${location}: ${weights.length} weights`);
    return weights;
  } finally {
    imported.model.dispose();
  }
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

/** Loads a specific slot, or the newest intact one for `last` (with its fallback notes). */
async function loadForResume(
  runDir: string,
  from: CheckpointKind,
): Promise<{
  payload: CheckpointPayload;
  manifest: CheckpointManifest;
  source: string;
  dir: string;
  messages: readonly string[];
}> {
  if (from === 'last') return loadLatestCheckpoint(runDir);
  const dir = checkpointDir(runDir, from);
  const { payload, manifest } = await readCheckpoint(dir);
  return { payload, manifest, source: from, dir, messages: [] };
}

export const openEngineSession =
  (log: Log): OpenSession =>
  async (runDir, mode) => {
    const run = await readRunFile(runDir);
    const index = await openRunDataset(run);
    const train = splitSource(index, run.trainSplit, 'train');
    const val = valSource(index, run, log);
    const trainerLog = (message: string): void => log('info', message);

    const fresh = async (): Promise<OpenedSession> => {
      const initialWeights = !run.initFrom
        ? undefined
        : (await isRunFolder(run.initFrom))
          ? await runCheckpointWeights(run, train, log)
          : (await isExportedModel(run.initFrom))
            ? await exportedWeights(run, train, log)
            : await seedWeights(run, train, log);
      const trainer = await Trainer.create(run.config, {
        train,
        log: trainerLog,
        ...(initialWeights && { initialWeights }),
      });
      return {
        session: new EngineSession(run, trainer, runDir, val),
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
    let loaded: Awaited<ReturnType<typeof loadForResume>>;
    try {
      loaded = await loadForResume(runDir, mode.from);
    } catch (err) {
      // Nothing was ever saved (or only a torn first write): the run simply starts over.
      // Damaged checkpoints that did exist are an error the user must hear about.
      if (mode.from !== 'last' || (await hasAnyCheckpoint(runDir))) throw err;
      log('info', 'No checkpoint yet: the run starts from step 0');
      return fresh();
    }
    const state = TrainerState.parse(loaded.payload.state);
    const trainer = await Trainer.create(resumeConfig(state.config, run.config, log), {
      train,
      log: trainerLog,
      ...(state.classWeights && { classWeights: state.classWeights }),
    });
    try {
      trainer.restore(loaded.payload, `checkpoint ${loaded.dir}`);
    } catch (err) {
      trainer.dispose();
      throw err;
    }
    const fallbackMessage = loaded.messages.length > 0 ? loaded.messages.join('; ') : null;
    const kind: CheckpointKind =
      loaded.source === 'best' || loaded.source === 'previous' ? loaded.source : 'last';
    const opened: OpenedSession = {
      session: new EngineSession(run, trainer, runDir, val),
      resumedFrom: checkpointInfo(
        run.runName,
        kind,
        loaded.manifest,
        Date.parse(loaded.manifest.createdAt),
      ),
      history: historyOf(trainer),
      fallbackMessage,
    };
    return opened;
  };

class EngineSession implements TrainingSession {
  readonly runName: string;
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly hasValidation: boolean;
  readonly checkpointEveryMinutes: number;

  constructor(
    run: RunFile,
    private readonly trainer: Trainer,
    private readonly runDir: string,
    private readonly val: SampleSource | null,
  ) {
    this.runName = run.runName;
    this.epochs = trainer.config.epochs;
    this.stepsPerEpoch = trainer.stepsPerEpoch;
    this.totalSteps = trainer.totalSteps;
    this.hasValidation = val !== null;
    this.checkpointEveryMinutes = trainer.config.checkpointEveryMinutes;
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
    // Per-epoch validation compares at the model's input size: fast, and good enough to rank
    // checkpoints; `evaluate` reports at the annotations' own resolution. The validation loss
    // is the training loss (same class weights, void ignored) on the unaugmented val split.
    const { result, loss } = await validateModel(this.trainer.model, this.val, {
      normalization: this.trainer.config.normalization,
      batchSize: this.trainer.config.batchSize,
      classWeights: this.trainer.classWeights,
    });
    return {
      valLoss: loss,
      mIoU: result.mIoU,
      pixelAccuracy: result.pixelAccuracy,
      meanClassAccuracy: result.meanClassAccuracy,
    };
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

/** A trained model restored from one checkpoint slot of a run (for evaluate/predict/export). */
export interface RestoredModel {
  readonly model: LayersModel;
  readonly config: TrainingConfig;
  readonly checkpoint: CheckpointKind;
  readonly manifest: CheckpointManifest;
  readonly note: string | null;
}

/**
 * Loads a checkpoint's model. `best` falls back to `last` when the run has no best yet
 * (no validation split), with a note saying so.
 */
export async function restoreModel(runDir: string, from: CheckpointKind): Promise<RestoredModel> {
  let slot = from;
  let note: string | null = null;
  if (slot === 'best' && !(await verifyCheckpoint(checkpointDir(runDir, 'best'))).ok) {
    slot = 'last';
    note = 'This run has no best checkpoint (no validation yet): used the last one.';
  }
  const loaded =
    slot === 'last'
      ? await loadLatestCheckpoint(runDir)
      : {
          ...(await readCheckpoint(checkpointDir(runDir, slot))),
          dir: checkpointDir(runDir, slot),
        };
  const state = TrainerState.parse(loaded.payload.state);
  const tf = getTf();
  const { model } = buildModel(tf, state.config, state.numClasses);
  try {
    assertArchitecture({
      where: `checkpoint ${loaded.dir}`,
      preset: state.config.preset,
      saved: state.architecture,
      weights: loaded.payload.model,
      model,
    });
  } catch (err) {
    model.dispose();
    throw err;
  }
  const byName = new Map(loaded.payload.model.map((w) => [w.name, w]));
  for (const variable of model.weights) {
    const w = byName.get(variable.originalName)!;
    const t = tf.tensor(w.data, [...w.shape], 'float32');
    variable.write(t);
    t.dispose();
  }
  return { model, config: state.config, checkpoint: slot, manifest: loaded.manifest, note };
}

/**
 * Evaluates a run's checkpoint on a split of its dataset (annotation resolution), keeping each
 * image's predicted mask in the run folder (see eval-masks.ts) so the viewer needs no second
 * predict pass.
 */
export async function evaluateRun(
  runDir: string,
  from: CheckpointKind,
  split: string,
  onProgress?: (done: number, total: number) => void,
): Promise<EvalResult & { checkpoint: CheckpointKind; note: string | null; masks: WrittenMasks }> {
  const run = await readRunFile(runDir);
  const index = await openRunDataset(run);
  const source = splitSource(index, split, 'evaluation');
  const restored = await restoreModel(runDir, from);
  const masks = await createMaskWriter(runDir, split);
  try {
    const result = await evaluateModel(restored.model, source, {
      normalization: restored.config.normalization,
      batchSize: Math.min(8, restored.config.batchSize),
      ...(onProgress && { onProgress }),
      onPrediction: (sampleIndex, prediction) =>
        masks.write(source.sampleId(sampleIndex), prediction),
    });
    const count = await masks.commit();
    return {
      ...result,
      checkpoint: restored.checkpoint,
      note: restored.note,
      masks: {
        checkpointCreatedAt: restored.manifest.createdAt,
        globalStep: restored.manifest.globalStep,
        count,
      },
    };
  } finally {
    await masks.discard();
    restored.model.dispose();
  }
}

/** segstudio.json fields for a run's model: classes and encoding from its dataset. */
async function manifestFields(
  runDir: string,
  restored: RestoredModel,
  run: RunFile,
  index: DatasetIndex,
): Promise<ManifestFields> {
  const classes = index.source(run.trainSplit).classes.map((c) => ({
    index: c.index,
    id: c.datasetId,
    name: c.name,
    color: [...c.color] as [number, number, number],
  }));
  const descriptor = index.descriptor;
  return {
    preset: restored.config.preset,
    architecture: architectureOf(restored.config.preset),
    classes,
    voidId: descriptor.voidId,
    maskEncoding: descriptor.encoding,
    ...(descriptor.rgbMapping && { rgbMapping: descriptor.rgbMapping }),
    input: restored.config.inputSize,
    normalization: restored.config.normalization,
    metrics: await cachedValMetrics(runDir, run.valSplit),
    origin: {
      run: run.runName,
      checkpoint: restored.checkpoint,
      step: restored.manifest.globalStep,
    },
  };
}

async function cachedValMetrics(runDir: string, split: string | null) {
  if (split === null) return null;
  try {
    const raw = JSON.parse(await fs.readFile(runPaths(runDir).evalReport(split), 'utf8')) as {
      mIoU?: number | null;
      pixelAccuracy?: number | null;
      meanClassAccuracy?: number | null;
    };
    return {
      split,
      mIoU: raw.mIoU ?? null,
      pixelAccuracy: raw.pixelAccuracy ?? null,
      meanClassAccuracy: raw.meanClassAccuracy ?? null,
    };
  } catch {
    return null;
  }
}

/** Exports a run's checkpoint as a tfjs Layers model (+ segstudio.json), folder or ZIP. */
export async function exportRun(
  runDir: string,
  from: CheckpointKind,
  format: 'folder' | 'archive',
  target: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ArchiveResult> {
  const run = await readRunFile(runDir);
  const index = await openRunDataset(run);
  const restored = await restoreModel(runDir, from);
  try {
    const fields = await manifestFields(runDir, restored, run, index);
    if (format === 'archive') {
      const out = await exportModelArchive(restored.model, fields, target, onProgress);
      return { path: out.path, bytes: out.bytes, count: 3, note: restored.note };
    }
    const out = await exportModel(restored.model, fields, target, onProgress);
    return { path: out.dir, bytes: out.bytes, count: out.files.length, note: restored.note };
  } finally {
    restored.model.dispose();
  }
}

/** The images directly inside `folder` (sorted; sub-folders are not entered), never empty. */
async function folderImages(folder: string): Promise<string[]> {
  const dir = path.resolve(folder);
  const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    const why =
      err.code === 'ENOENT'
        ? 'does not exist'
        : err.code === 'ENOTDIR'
          ? 'is a file, not a folder'
          : err.message;
    throw new Error(`Cannot predict the folder ${dir}: it ${why}`);
  });
  const images = names.filter(isImageName).sort();
  if (images.length === 0) {
    throw new Error(`Cannot predict the folder ${dir}: it holds no images (.png, .jpg, .bmp, …)`);
  }
  return images.map((name) => path.join(dir, name));
}

/**
 * Predicts every image of a split, or of `folder` when given, and writes one stored ZIP:
 * masks in the dataset's own encoding, or colour overlays. Input images are only read; the
 * work happens in a temp folder next to the archive, removed after.
 */
export async function predictRun(
  runDir: string,
  from: CheckpointKind,
  split: string,
  encoding: 'dataset' | 'color',
  archive: string,
  onProgress?: (done: number, total: number) => void,
  folder?: string,
): Promise<ArchiveResult> {
  const run = await readRunFile(runDir);
  const index = await openRunDataset(run);
  const images = folder
    ? await folderImages(folder)
    : (() => {
        const source = splitSource(index, split, 'prediction');
        return Array.from({ length: source.count }, (_, i) => source.imagePath(i));
      })();
  const restored = await restoreModel(runDir, from);
  const work = await fs.mkdtemp(path.join(path.dirname(archive), '.predict-'));
  try {
    const fields = await manifestFields(runDir, restored, run, index);
    const manifest = {
      classes: fields.classes,
      maskEncoding: index.descriptor.encoding,
      ...(index.descriptor.rgbMapping && { rgbMapping: index.descriptor.rgbMapping }),
      normalization: restored.config.normalization,
    };
    const files = await predictFiles(restored.model, manifest, images, work, {
      ...(onProgress && { onProgress }),
    });
    const entries = await Promise.all(
      files.map(async (f) => {
        const file = encoding === 'dataset' ? f.mask : f.overlay;
        return { name: path.basename(file), data: await fs.readFile(file) };
      }),
    );
    const zip = createZip(entries);
    await writeFileAtomic(archive, zip);
    return { path: archive, bytes: zip.length, count: entries.length, note: restored.note };
  } finally {
    restored.model.dispose();
    await fs.rm(work, { recursive: true, force: true });
  }
}
