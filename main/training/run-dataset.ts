/**
 * The dataset a run was trained on, opened for a session or a job, and its splits, with errors
 * that say what is wrong with the folder or the split in words.
 */
import { promises as fs } from 'node:fs';
import { openDataset } from '../dataset/open';
import type { DatasetIndex } from '../dataset/dataset-index';
import { SkippingSampleSource } from '../dataset/skipping-source';
import type { SampleSource } from '../dataset/source';
import { openProjectDataset, projectOfLabelsDir } from '../labels/open';
import type { RunFile } from './run-folder';

/**
 * Opens `run.dataset` (with its saved descriptor), through the project's labels when the run
 * belongs to a project (edited masks win over the dataset's files); a moved or deleted folder
 * is named.
 */
export async function openRunDataset(run: RunFile): Promise<DatasetIndex> {
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

/** Where a skipped sample is reported (the session's log: `warn` reaches the user). */
export type SkipLog = (level: 'info' | 'warn', message: string) => void;

/** A split's samples for training: one that fails to decode is skipped with a warning. */
export function skippingSource(index: DatasetIndex, split: string, log: SkipLog): SampleSource {
  return new SkippingSampleSource(index.source(split), (skip) =>
    log(
      'warn',
      `Skipped sample ${skip.sampleId} of split ${skip.split}: ${skip.message} (${skip.skipped} sample${skip.skipped === 1 ? '' : 's'} of ${skip.split} skipped in this run)`,
    ),
  );
}

/**
 * The samples of `split`; `role` (train, evaluation, ...) names it in the error. With `log`
 * (training), undecodable samples are skipped with a warning and the unlabeled ones not used
 * are counted; without it (evaluation, prediction, where a replaced sample would skew the
 * numbers) the error names the file.
 */
export function splitSource(
  index: DatasetIndex,
  split: string,
  role: string,
  log?: SkipLog,
): SampleSource {
  if (!(split in index.splits)) {
    const have = Object.keys(index.splits).join(', ') || 'none';
    throw new Error(`The dataset has no ${role} split "${split}" (splits: ${have})`);
  }
  const source = log ? skippingSource(index, split, log) : index.source(split);
  const unlabeled = index.unlabeledNote(split);
  if (source.count === 0) {
    throw new Error(
      `The ${role} split "${split}" has no usable samples${unlabeled ? ` (${unlabeled})` : ''}`,
    );
  }
  if (log && unlabeled) log('info', unlabeled);
  return source;
}
