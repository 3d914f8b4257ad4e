/**
 * A project folder opened for the `labels` and `train --project` commands: its saved
 * descriptor re-indexed (headers only, with a progress bar) and read through its labels,
 * exactly as the app opens it. Errors name the folder and what to do.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DatasetError, openDataset, type DatasetIndex } from '../dataset/index';
import { openProjectDataset } from '../labels/open';
import { LabelsError } from '../labels/errors';
import type { LabelStore } from '../labels/store';
import { readProjectFile, type ProjectFile } from '../services/project-store';
import { CliError, type Output } from './framework';
import type { ProgressBar } from './progress';

export interface CliProject {
  readonly projectDir: string;
  readonly file: ProjectFile;
  /** The dataset read through the project's labels. */
  readonly index: DatasetIndex;
  readonly store: LabelStore;
}

export async function openCliProject(projectArg: string, out: Output): Promise<CliProject> {
  const projectDir = path.resolve(projectArg);
  let file: ProjectFile;
  try {
    file = await readProjectFile(projectDir);
  } catch (err) {
    throw new CliError(`${(err as Error).message} (make one with \`segstudio project init\`)`);
  }
  const root = file.descriptor.root;
  if (!existsSync(root)) {
    throw new CliError(`The dataset of project ${projectDir} is gone: ${root} does not exist`);
  }
  let bar: ProgressBar | undefined;
  const openFiles = () =>
    openDataset(root, {
      descriptor: file.descriptor,
      onProgress: (done, total) => {
        bar ??= out.progress('opening dataset', total, 'samples');
        bar.update(done);
      },
    });
  try {
    const { index, store } = await openProjectDataset(projectDir, file.descriptor, openFiles);
    return { projectDir, file, index, store };
  } catch (err) {
    throw err instanceof DatasetError || err instanceof LabelsError
      ? new CliError(err.message)
      : err;
  } finally {
    bar?.finish();
  }
}

/** Runs a labels operation, turning its user-facing errors into CLI errors. */
export async function cliLabels<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (err) {
    throw err instanceof LabelsError ? new CliError(err.message) : err;
  }
}
