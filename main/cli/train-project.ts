/**
 * `segstudio train --project PROJECT`: the run lands in PROJECT/runs/RUN and trains on the
 * project's current labels (its edits preferred, unlabeled images skipped), as a run started
 * in the app does; `--init RUN` may name a run (of the project, or a run folder) whose best
 * checkpoint starts the new run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DatasetRef } from '../training/run-folder';
import { isRunFolder } from '../training/run-folder';
import { labelsLayout } from '../labels/index-file';
import { readProjectFile } from '../services/project-store';
import { CliError } from './framework';

export async function projectTrainTarget(
  projectArg: string,
  runArg: string,
): Promise<{ runDir: string; dataset: DatasetRef }> {
  const projectDir = path.resolve(projectArg);
  const file = await readProjectFile(projectDir).catch((err: Error) => {
    throw new CliError(err.message);
  });
  if (!existsSync(file.descriptor.root)) {
    throw new CliError(`The dataset of project ${projectDir} is gone: ${file.descriptor.root}`);
  }
  // A plain name is a run of the project; a path is taken as it is.
  const runDir = /[\\/]/.test(runArg)
    ? path.resolve(runArg)
    : path.join(projectDir, 'runs', runArg);
  return {
    runDir,
    dataset: {
      root: file.descriptor.root,
      descriptor: file.descriptor,
      labelsDir: labelsLayout(projectDir).dir,
    },
  };
}

/** `--init RUN` as a run folder (a run of the project by name, or a path), else null. */
export async function initRunFolder(
  init: string,
  projectArg: string | undefined,
): Promise<string | null> {
  if (projectArg && !/[\\/]/.test(init)) {
    const inProject = path.join(path.resolve(projectArg), 'runs', init);
    if (await isRunFolder(inProject)) return inProject;
  }
  const asPath = path.resolve(init);
  return (await isRunFolder(asPath)) ? asPath : null;
}
