/**
 * The one way a project's dataset is opened through its labels: the services (opening a
 * project), the training worker (run.json's `dataset.labelsDir`) and the CLI all call this.
 * A project made from images has its image list in labels/images.json; any other project
 * indexes its dataset folder with `openFiles`.
 */
import path from 'node:path';
import type { DatasetDescriptor } from '../../shared/dataset/descriptor';
import type { DatasetIndex } from '../dataset/index';
import { openImagesIndex } from './images-project';
import { LABELS_DIR } from './index-file';
import { LabelStore } from './store';

export async function openProjectDataset(
  projectDir: string,
  descriptor: DatasetDescriptor,
  openFiles: () => Promise<DatasetIndex>,
): Promise<{ index: DatasetIndex; store: LabelStore }> {
  const base = (await openImagesIndex(projectDir, descriptor)) ?? (await openFiles());
  const store = await LabelStore.open(projectDir);
  return { index: base.withLabels(store), store };
}

export function projectOfLabelsDir(labelsDir: string): string {
  if (path.basename(labelsDir) !== LABELS_DIR) {
    throw new Error(`${labelsDir} is not a project's ${LABELS_DIR}/ folder`);
  }
  return path.dirname(labelsDir);
}
