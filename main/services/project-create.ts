/**
 * Making a project from a dataset folder: the one function behind the project service's
 * openDataset and `segstudio project init`. Detects (or takes) the format, indexes the
 * dataset through the caller's `open` (which reports progress its own way) and writes
 * `segstudio-project.json`; the dataset folder is never written.
 */
import path from 'node:path';
import type { DatasetFormat } from '../../shared/dataset/formats';
import type { DatasetDescriptor } from '../../shared/dataset/descriptor';
import { detectFormat, type DatasetIndex } from '../dataset/index';
import { UserFacingError } from '../ipc/dispatcher';
import { createImagesProject, type ImagesProjectInput } from '../labels/images-project';
import { isInside } from '../fs/inside';
import { writeProjectFile, type ProjectFile } from './project-store';

export type IndexOpener = (
  datasetDir: string,
  options: { format?: DatasetFormat; labelsFile?: string; descriptor?: DatasetDescriptor },
) => Promise<DatasetIndex>;

export function refuseProjectInsideDataset(datasetDir: string, projectDir: string): void {
  if (isInside(datasetDir, projectDir)) {
    throw new UserFacingError(
      `The project folder ${projectDir} is inside the dataset folder ${datasetDir}; Seg Studio never writes into your dataset. Choose a project folder elsewhere.`,
      'project_inside_dataset',
    );
  }
}

export async function createProjectFromDataset(input: {
  readonly datasetDir: string;
  readonly projectDir: string;
  readonly format?: DatasetFormat;
  readonly labelsFile?: string;
  readonly isSample?: boolean;
  readonly name?: string;
  readonly open: IndexOpener;
}): Promise<{ file: ProjectFile; index: DatasetIndex }> {
  const { datasetDir, projectDir } = input;
  refuseProjectInsideDataset(datasetDir, projectDir);
  const guess = await detectFormat(datasetDir);
  const format = input.format ?? guess.format ?? undefined;
  if (!format) {
    throw new UserFacingError(
      `No known dataset layout in ${datasetDir} (${guess.reasons.join('; ')}). Choose the format by hand.`,
      'unknown_format',
    );
  }
  const index = await input.open(datasetDir, {
    format,
    ...(input.labelsFile && { labelsFile: path.resolve(input.labelsFile) }),
  });
  const formatReasons =
    input.format !== undefined ? [`format set by the user: ${input.format}`] : [...guess.reasons];
  const file: ProjectFile = {
    version: 1,
    name: input.name ?? path.basename(datasetDir),
    created: Date.now(),
    isSample: input.isSample === true,
    formatReasons,
    descriptor: index.descriptor,
  };
  await writeProjectFile(projectDir, file);
  return { file, index };
}

/**
 * Making a project from a folder of unlabeled images and a class list: the one function behind
 * the project service's createFromImages and `segstudio project init IMAGES_DIR --classes`.
 * Lists the readable images (the others are returned in `skipped`, each with its reason) into
 * `PROJECT/labels/images.json` and writes `segstudio-project.json`; the images are only read.
 */
export async function createProjectFromImages(
  input: ImagesProjectInput,
): Promise<{ file: ProjectFile; index: DatasetIndex; skipped: string[] }> {
  const made = await createImagesProject(input);
  const file: ProjectFile = {
    version: 1,
    name: path.basename(path.resolve(input.imagesDir)),
    created: Date.now(),
    isSample: false,
    formatReasons: ['made from a folder of images and a class list'],
    descriptor: made.descriptor,
  };
  await writeProjectFile(input.projectDir, file);
  return { file, index: made.index, skipped: made.skipped };
}
