/**
 * A run's trained model: one checkpoint slot restored into a network (for evaluate, predict and
 * export), and the `segstudio.json` fields describing it. The app's export (a worker job) and
 * `segstudio export RUN` both take those fields from `runManifestFields`, so the two write the
 * same file for the same checkpoint.
 */
import type { CheckpointKind } from '../../shared/contracts/common';
import { EpochMetrics } from '../../shared/contracts/training';
import type { TrainingConfig } from '../../shared/training/config';
import { TrainerState } from '../../shared/training/state';
import type { DatasetIndex } from '../dataset/dataset-index';
import {
  checkpointDir,
  loadLatestCheckpoint,
  readCheckpoint,
  verifyCheckpoint,
  type CheckpointManifest,
} from '../engine/checkpoint';
import type { ManifestFields } from '../engine/export';
import type { ManifestMetrics } from '../engine/export-manifest';
import { manifestFieldsFor } from '../engine/export-fields';
import { buildModel, type LayersModel } from '../engine/models';
import { assertArchitecture } from '../engine/models/architecture';
import { getTf } from '../native/backend';
import type { RunFile } from './run-folder';

/** A trained model restored from one checkpoint slot of a run. The caller disposes `model`. */
export interface RestoredModel {
  readonly model: LayersModel;
  readonly config: TrainingConfig;
  /** The slot actually used (`best` may fall back to `last`, see `note`). */
  readonly checkpoint: CheckpointKind;
  readonly manifest: CheckpointManifest;
  /**
   * The epoch-end validation the run recorded for exactly these weights (same global step), or
   * null when the checkpoint was written mid-epoch, before its validation, or without a val split.
   */
  readonly validation: EpochMetrics | null;
  readonly note: string | null;
}

export interface RestoreOptions {
  readonly runDir: string;
  readonly from: CheckpointKind;
}

/**
 * Loads a checkpoint's model. `best` falls back to `last` when the run has no best yet
 * (no validation split), with a note saying so; `last` falls back past a damaged slot.
 */
export async function restoreModel({ runDir, from }: RestoreOptions): Promise<RestoredModel> {
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
  const validation =
    state.metricsHistory
      .map((entry) => EpochMetrics.safeParse(entry))
      .flatMap((parsed) => (parsed.success ? [parsed.data] : []))
      .find((m) => m.globalStep === loaded.manifest.globalStep && m.mIoU !== null) ?? null;
  return {
    model,
    config: state.config,
    checkpoint: slot,
    manifest: loaded.manifest,
    validation,
    note,
  };
}

/**
 * The metrics `segstudio.json` records: the run's own validation of exactly the exported
 * weights (its val split, at the checkpoint's global step). Not the cached evaluation report:
 * that may be of another slot or of older weights of the same slot (it names the slot, not the
 * step), and a run exported on a machine where nobody evaluated it has none. So the same
 * checkpoint always exports the same metrics, from the app or the CLI.
 */
function checkpointMetrics(run: RunFile, restored: RestoredModel): ManifestMetrics | null {
  if (run.valSplit === null) return null;
  const flipped = restored.config.testTimeFlip ? { testTimeFlip: true } : {};
  const v = restored.validation;
  if (v) {
    return {
      split: run.valSplit,
      mIoU: v.mIoU,
      pixelAccuracy: v.pixelAccuracy,
      meanClassAccuracy: v.meanClassAccuracy,
      ...flipped,
    };
  }
  // A checkpoint whose history entry is missing still carries its validation mIoU.
  if (restored.manifest.metric === null) return null;
  return {
    split: run.valSplit,
    mIoU: restored.manifest.metric,
    pixelAccuracy: null,
    meanClassAccuracy: null,
    ...flipped,
  };
}

/**
 * `segstudio.json` fields for a run's restored checkpoint: classes, void id and mask encoding
 * from its dataset, input size and normalisation from its config, metrics by the rule of
 * `checkpointMetrics`, origin = run, slot and step.
 */
export function runManifestFields(args: {
  readonly run: RunFile;
  readonly index: Pick<DatasetIndex, 'mapper' | 'descriptor'>;
  readonly restored: RestoredModel;
}): ManifestFields {
  const { run, index, restored } = args;
  return manifestFieldsFor({
    config: restored.config,
    classes: index.mapper.classes,
    descriptor: index.descriptor,
    metrics: checkpointMetrics(run, restored),
    origin: {
      run: run.runName,
      checkpoint: restored.checkpoint,
      step: restored.manifest.globalStep,
    },
  });
}
