/**
 * Where a fresh run's weights may come from besides the preset's seeded init (`run.initFrom`):
 * another run folder (its best checkpoint, run-init.ts), the seed project's PyTorch `.pt`
 * (seed-alexnet-fcn only), or a model exported by `segstudio export` (fine-tuning: same preset,
 * layout and classes, any input size).
 */
import { promises as fs } from 'node:fs';
import type { SampleSource } from '../dataset/source';
import { importSeedCheckpoint } from '../engine/convert-seed';
import { importModel } from '../engine/export';
import { checkClassesMatch } from '../engine/export-fields';
import { buildModel } from '../engine/models';
import { assertArchitecture } from '../engine/models/architecture';
import { namedWeights } from '../engine/models/common';
import type { NamedArray } from '../engine/optimizer';
import { getTf } from '../native/backend';
import { isRunFolder, type RunFile } from './run-folder';
import { runCheckpointWeights } from './run-init';

export type Log = (level: 'info' | 'warn', message: string) => void;

/**
 * The seed's own PyTorch weights (e.g. weight21.pt) as the starting point of a fresh
 * seed-alexnet-fcn run, so its author can continue that very run here.
 */
async function seedWeights(
  file: string,
  run: RunFile,
  train: SampleSource,
  log: Log,
): Promise<NamedArray[]> {
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
    const weights = namedWeights(imported.model);
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
async function exportedWeights(
  location: string,
  run: RunFile,
  train: SampleSource,
  log: Log,
): Promise<NamedArray[]> {
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
    const weights = namedWeights(imported.model);
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

/** The weights `run.initFrom` names, or undefined when the run starts from the seeded init. */
export async function initialWeightsOf(
  run: RunFile,
  train: SampleSource,
  log: Log,
): Promise<NamedArray[] | undefined> {
  const from = run.initFrom;
  if (!from) return undefined;
  if (await isRunFolder(from)) return runCheckpointWeights(run, train, log);
  return (await isExportedModel(from))
    ? exportedWeights(from, run, train, log)
    : seedWeights(from, run, train, log);
}
