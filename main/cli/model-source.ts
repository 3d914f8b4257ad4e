import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { CheckpointKind } from '../../shared/contracts/common';
import type { TrainingConfig } from '../../shared/training/config';
import { openDataset } from '../dataset/open';
import type { DatasetIndex } from '../dataset/dataset-index';
import { importSeedCheckpoint } from '../engine/convert-seed';
import { importModel, type ManifestFields } from '../engine/export';
import { openProjectDataset, projectOfLabelsDir } from '../labels/open';
import { isRunFolder, readRunFile } from '../training/run-folder';
import { restoreModel, runManifestFields } from '../training/run-model';
import { warnIfFallback } from './fallback-warning';
import {
  CliError,
  numberOption,
  stringOption,
  type CommandContext,
  type Output,
} from './framework';
import { checkpointOption, parseSize } from './options';

/**
 * What `eval`, `predict` and `export` accept as MODEL: a run folder (its best/last/previous
 * checkpoint), an exported model folder or `.zip`, or a seed PyTorch `.pt` state_dict.
 */
export interface ModelSource {
  readonly kind: 'run' | 'export' | 'seed';
  readonly location: string;
  readonly model: tfjs.LayersModel;
  readonly fields: ManifestFields;
  /** Dataset the run was trained on (runs only). */
  readonly runDataset?: string;
  readonly checkpoint?: string;
  /** The run's config (runs only): its test-time flip and scales, for `eval`. */
  readonly runConfig?: TrainingConfig;
  readonly notes: readonly string[];
}

export async function openDatasetOrFail(
  dir: string,
  descriptor?: DatasetIndex['descriptor'] | null,
): Promise<DatasetIndex> {
  try {
    return await openDataset(path.resolve(dir), descriptor ? { descriptor } : {});
  } catch (err) {
    throw new CliError(`cannot open the dataset ${dir}: ${(err as Error).message}`);
  }
}

async function loadRun(runDir: string, from: CheckpointKind): Promise<ModelSource> {
  const run = await readRunFile(runDir);
  const { labelsDir, descriptor } = run.dataset;
  const openFiles = () => openDatasetOrFail(run.dataset.root, descriptor);
  // A run of a project reads its dataset through the project's labels (images projects too).
  const index =
    labelsDir && descriptor
      ? (await openProjectDataset(projectOfLabelsDir(labelsDir), descriptor, openFiles)).index
      : await openFiles();
  const restored = await restoreModel({ runDir, from }).catch((err: Error) => {
    throw new CliError(`${runDir}: cannot load the ${from} checkpoint (${err.message})`);
  });
  const fields = runManifestFields({ run, index, restored });
  return {
    kind: 'run',
    location: runDir,
    model: restored.model,
    fields,
    runDataset: run.dataset.root,
    checkpoint: restored.checkpoint,
    runConfig: restored.config,
    notes: restored.note ? [restored.note] : [],
  };
}

async function loadSeed(file: string, values: CommandContext['values']): Promise<ModelSource> {
  const datasetDir = stringOption(values, 'dataset');
  const size = parseSize(stringOption(values, 'size'));
  const classes = numberOption(values, 'classes', { integer: true, min: 1 });
  const index = datasetDir ? await openDatasetOrFail(datasetDir) : undefined;
  const imported = await importSeedCheckpoint(file, {
    ...(size && size),
    ...(classes !== undefined && { classes }),
    ...(index && {
      classList: index.mapper.classes.map((c) => ({
        index: c.index,
        id: c.datasetId,
        name: c.name,
        color: [c.color[0], c.color[1], c.color[2]] as [number, number, number],
      })),
      voidId: index.descriptor.voidId,
      maskEncoding: index.descriptor.encoding,
      ...(index.descriptor.rgbMapping && { rgbMapping: index.descriptor.rgbMapping }),
    }),
  }).catch((err: Error) => {
    throw new CliError(err.message);
  });
  const notes = [`converted ${imported.converted.loaded.length} weights from ${file}`];
  if (imported.converted.ignored.length > 0) {
    notes.push(
      `ignored keys not used by seed-alexnet-fcn: ${imported.converted.ignored.join(', ')}`,
    );
  }
  if (!index) notes.push('no --dataset given: classes are named class_0..; ids = indices');
  return { kind: 'seed', location: file, model: imported.model, fields: imported.fields, notes };
}

/** Loads MODEL (run folder, exported model folder/zip, or seed .pt). */
export async function loadModelSource(
  location: string,
  values: CommandContext['values'],
): Promise<ModelSource> {
  const resolved = path.resolve(location);
  const stat = await fs.stat(resolved).catch(() => null);
  if (!stat) throw new CliError(`${resolved}: no such run folder, model folder or file`);
  if (stat.isDirectory() && (await isRunFolder(resolved))) {
    return loadRun(resolved, checkpointOption(values));
  }
  if (stat.isFile() && /\.(pt|pth)$/i.test(resolved)) return loadSeed(resolved, values);
  try {
    const { model, manifest } = await importModel(resolved);
    return { kind: 'export', location: resolved, model, fields: manifest, notes: [] };
  } catch (err) {
    throw new CliError(
      `${resolved} is neither a run folder nor a usable exported model: ${(err as Error).message}`,
    );
  }
}

/**
 * Warns about the slow fallback backend, loads MODEL and hands it to `use`, disposing the
 * model however `use` ends (eval, export, predict).
 */
export async function withModelSource<T>(
  location: string,
  values: CommandContext['values'],
  out: Output,
  use: (source: ModelSource) => Promise<T>,
): Promise<T> {
  warnIfFallback(out);
  const source = await loadModelSource(location, values);
  try {
    return await use(source);
  } finally {
    source.model.dispose();
  }
}
