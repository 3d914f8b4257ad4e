/**
 * What an evaluation report was computed from, so a cached report can be reused only when it is
 * provably current: the checkpoint (slot, step, time and the SHA-256 of its weights from the
 * checkpoint's manifest), the run's settings, and every sample of the split (its image and its
 * current mask: the edit's revision, or the dataset file's size and mtime, stat'ed now). Taken
 * before the worker starts, so a change during the evaluation makes the report look stale,
 * never current.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CheckpointKind } from '../../shared/contracts/common';
import type { EvalBasis } from '../../shared/contracts/evaluation';
import { DatasetIndex } from '../dataset/dataset-index';
import { CheckpointManifest, checkpointDir } from '../engine/checkpoint';
import type { RunFile } from '../training/run-folder';
import type { OpenProject } from './project-session';

/** Bump when what an evaluation computes changes: older reports are then never reused. */
export const EVAL_BASIS_VERSION = 1;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function manifestOf(
  runDir: string,
  slot: CheckpointKind,
): Promise<CheckpointManifest | null> {
  const file = path.join(checkpointDir(runDir, slot), 'manifest.json');
  try {
    return CheckpointManifest.parse(JSON.parse(await fs.readFile(file, 'utf8')));
  } catch {
    return null;
  }
}

const fileStamp = async (file: string): Promise<string> => {
  const stat = await fs.stat(file).catch(() => null);
  return stat ? `${file}\u0000${stat.size}\u0000${stat.mtimeMs}` : `${file}\u0000missing`;
};

/**
 * The basis an evaluation of `run` on `split` from `from` would have now, or null when it
 * cannot be stated (no checkpoint, a run on another dataset than the open project's, an
 * unknown split): such a report is never reused.
 */
export async function evalBasis(
  project: OpenProject,
  runDir: string,
  run: RunFile,
  split: string,
  from: CheckpointKind,
): Promise<EvalBasis | null> {
  const index = project.index;
  if (!(index instanceof DatasetIndex)) return null;
  if (path.resolve(run.dataset.root) !== path.resolve(index.descriptor.root)) return null;
  if (run.dataset.labelsDir && path.resolve(run.dataset.labelsDir) !== project.labelsDir) {
    return null;
  }
  const records = index.splits[split]?.samples;
  if (!records) return null;
  // The worker's own fallback: a run without a best checkpoint is evaluated on its last one.
  let slot = from;
  let manifest = await manifestOf(runDir, slot);
  if (!manifest && slot === 'best') manifest = await manifestOf(runDir, (slot = 'last'));
  const weights = manifest?.files['model.bin'];
  if (!manifest || !weights) return null;
  const lines = await Promise.all(
    records.map(async (record) => {
      const mask = index.currentMask(record);
      const maskStamp = mask.origin === 'edit' ? mask.stamp : await fileStamp(mask.file);
      return `${record.id}\u0000${await fileStamp(record.image)}\u0000${maskStamp}`;
    }),
  );
  return {
    version: EVAL_BASIS_VERSION,
    checkpoint: {
      slot,
      globalStep: manifest.globalStep,
      createdAt: manifest.createdAt,
      weightsSha256: weights.sha256,
    },
    settings: sha256(JSON.stringify([run.request, run.config, run.dataset])),
    samples: records.length,
    labels: sha256(lines.sort().join('\n')),
  };
}

/** True when two bases are the same in every field (a report of `a` is current at `b`). */
export function sameBasis(a: EvalBasis | undefined, b: EvalBasis | null): boolean {
  if (!a || !b) return false;
  const [x, y] = [a.checkpoint, b.checkpoint];
  return (
    a.version === b.version &&
    x.slot === y.slot &&
    x.globalStep === y.globalStep &&
    x.createdAt === y.createdAt &&
    x.weightsSha256 === y.weightsSha256 &&
    a.settings === b.settings &&
    a.samples === b.samples &&
    a.labels === b.labels
  );
}
