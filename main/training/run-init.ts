/**
 * Fine-tuning from another run: the weights of a run folder's best checkpoint (falling back
 * to its newest intact one) start a fresh run of the same preset and classes; the optimizer
 * starts fresh. Used when run.json's `initFrom` names a run folder (the training service's
 * fineTune, `segstudio train --init RUN`).
 */
import path from 'node:path';
import { checkpointDir, loadLatestCheckpoint, readCheckpoint } from '../engine/checkpoint';
import { buildModel } from '../engine/models';
import { assertArchitecture } from '../engine/models/architecture';
import type { NamedArray } from '../engine/optimizer';
import { getTf } from '../native/backend';
import type { SampleSource } from '../dataset/source';
import { readRunFile, type RunFile } from './run-folder';

export async function runCheckpointWeights(
  run: RunFile,
  train: SampleSource,
  log: (level: 'info' | 'warn', message: string) => void,
): Promise<NamedArray[]> {
  const sourceDir = run.initFrom!;
  const source = await readRunFile(sourceDir);
  if (source.config.preset !== run.config.preset) {
    throw new Error(
      `${sourceDir}: run ${source.runName} trained ${source.config.preset}; this run trains ${run.config.preset}`,
    );
  }
  let loaded: { payload: { model: readonly NamedArray[] }; label: string };
  try {
    const best = await readCheckpoint(checkpointDir(sourceDir, 'best'));
    loaded = { payload: best.payload, label: 'best' };
  } catch (err) {
    const latest = await loadLatestCheckpoint(sourceDir);
    log(
      'warn',
      `run ${source.runName} has no usable best checkpoint (${(err as Error).message}); starting from its ${latest.source} one`,
    );
    loaded = { payload: latest.payload, label: latest.source };
  }
  const weights = [...loaded.payload.model];
  const { model } = buildModel(getTf(), run.config, train.classes.length);
  try {
    assertArchitecture({
      where: `run ${path.basename(sourceDir)}`,
      preset: run.config.preset,
      saved: undefined,
      weights,
      model,
    });
  } finally {
    model.dispose();
  }
  log('info', `initialised from run ${source.runName} (${loaded.label} checkpoint)`);
  return weights;
}
