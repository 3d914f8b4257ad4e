import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import type { projectContract } from '../../shared/contracts/project';
import type { DatasetDescriptor } from '../../shared/dataset/descriptor';
import type { DatasetFormat } from '../../shared/dataset/formats';
import { detectFormat, openDataset, type DatasetIndex, type IndexPhase } from '../dataset/index';
import { UserFacingError } from '../ipc/dispatcher';
import { LabelsError } from '../labels/errors';
import { openProjectDataset } from '../labels/open';
import type { LabelStore } from '../labels/store';
import { packageRoot } from '../paths';
import type { ServiceContext } from './context';
import { startJob } from './jobs';
import {
  createProjectFromDataset,
  createProjectFromImages,
  refuseProjectInsideDataset,
} from './project-create';
import type { OpenProject } from './project-session';
import { warmThumbnails } from './thumbnail-warmup';
import {
  addRecent,
  defaultProjectDir,
  hasProjectFile,
  PROJECT_FILE,
  readProjectFile,
  type ProjectFile,
  readRecent,
} from './project-store';
import type { Workspace } from './workspace';

const PHASE_LABEL: Record<IndexPhase, string> = {
  headers: 'Reading image headers',
  annotations: 'Checking annotation values',
  statistics: 'Counting class pixels',
};

/** The bundled sample: next to the app when packaged (extraResources), else in the repo. */
export function sampleDatasetDir(): string {
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  const packaged = resourcesPath ? path.join(resourcesPath, 'sample') : null;
  if (packaged && existsSync(path.join(packaged, 'labels.json'))) return packaged;
  return path.join(packageRoot(), 'resources', 'sample');
}

async function requireDirectory(dir: string, what: string): Promise<string> {
  const abs = path.resolve(dir);
  const stats = await fs.stat(abs).catch(() => null);
  if (!stats) throw new UserFacingError(`${what} ${abs} does not exist`, 'not_found');
  if (!stats.isDirectory())
    throw new UserFacingError(`${what} ${abs} is not a folder`, 'not_a_folder');
  return abs;
}

async function setAsideBrokenProjectFile(projectDir: string): Promise<void> {
  const file = path.join(projectDir, PROJECT_FILE);
  await fs.rename(file, `${file}.broken-${Date.now()}`).catch(() => undefined);
}

async function indexWithProgress(
  workspace: Workspace,
  datasetDir: string,
  options: { format?: DatasetFormat; labelsFile?: string; descriptor?: DatasetDescriptor },
): Promise<DatasetIndex> {
  const job = startJob(workspace.events, 'index', `Indexing ${path.basename(datasetDir)}`);
  try {
    const index = await openDataset(datasetDir, {
      ...(options.format && { format: options.format }),
      ...(options.labelsFile && { labelsFile: options.labelsFile }),
      ...(options.descriptor && { descriptor: options.descriptor }),
      onProgress: (done, total, phase) => job.progress(done, total, PHASE_LABEL[phase]),
    });
    job.finish();
    return index;
  } catch (err) {
    const message = `Cannot open ${datasetDir}: ${(err as Error).message}`;
    job.fail(message);
    throw err instanceof UserFacingError ? err : new UserFacingError(message, 'open_failed');
  }
}

/** The project's dataset read through its labels (main/labels/open.ts). */
async function openLabels(
  projectDir: string,
  file: ProjectFile,
  openFiles: () => Promise<DatasetIndex>,
): Promise<{ index: DatasetIndex; store: LabelStore }> {
  try {
    return await openProjectDataset(projectDir, file.descriptor, openFiles);
  } catch (err) {
    if (err instanceof LabelsError) throw new UserFacingError(err.message, err.code);
    throw err;
  }
}

export function createProjectService(
  workspace: Workspace,
): ServiceHandlers<typeof projectContract, ServiceContext> {
  const dataDir = workspace.host.dataDir;
  const warmUp = (project: OpenProject) =>
    void warmThumbnails(workspace, project).catch(() => undefined);

  const openExisting = async (projectDirInput: string) => {
    const projectDir = await requireDirectory(projectDirInput, 'Project folder');
    const file = await readProjectFile(projectDir);
    const root = file.descriptor.root;
    if (!existsSync(root)) {
      throw new UserFacingError(
        `The dataset of project ${file.name} is gone: ${root} does not exist (moved or unmounted?)`,
        'dataset_missing',
      );
    }
    const { index, store } = await openLabels(projectDir, file, () =>
      indexWithProgress(workspace, root, { descriptor: file.descriptor }),
    );
    warmUp(await workspace.activate(projectDir, file, index, store));
    await addRecent(dataDir, { projectDir, name: file.name, openedAt: Date.now() });
    return workspace.summary();
  };

  const openFromDataset = async (input: {
    datasetDir: string;
    projectDir?: string;
    format?: DatasetFormat;
    labelsFile?: string;
    isSample?: boolean;
    name?: string;
  }) => {
    const datasetDir = await requireDirectory(input.datasetDir, 'Dataset folder');
    const projectDir = path.resolve(input.projectDir ?? defaultProjectDir(dataDir, datasetDir));
    refuseProjectInsideDataset(datasetDir, projectDir);
    const override = input.format !== undefined || input.labelsFile !== undefined;
    if (!override && (await hasProjectFile(projectDir))) {
      const existing = await readProjectFile(projectDir).catch(() => null);
      if (existing && path.resolve(existing.descriptor.root) === datasetDir) {
        return openExisting(projectDir);
      }
      // A broken project file must not lock the user out of their dataset: keep it aside.
      if (!existing) await setAsideBrokenProjectFile(projectDir);
    }
    const { file, index } = await createProjectFromDataset({
      ...input,
      datasetDir,
      projectDir,
      open: (dir, options) => indexWithProgress(workspace, dir, options),
    });
    const opened = await openLabels(projectDir, file, () => Promise.resolve(index));
    warmUp(await workspace.activate(projectDir, file, opened.index, opened.store));
    await addRecent(dataDir, { projectDir, name: file.name, openedAt: Date.now() });
    return workspace.summary();
  };

  return {
    async recent() {
      const list = await readRecent(dataDir);
      return list.filter((r) => existsSync(r.projectDir));
    },
    current: () => (workspace.current() ? workspace.summary() : null),
    async detect({ datasetDir }) {
      const dir = await requireDirectory(datasetDir, 'Dataset folder');
      const guess = await detectFormat(dir);
      return {
        format: guess.format,
        confidence: guess.confidence,
        reasons: [...guess.reasons],
      };
    },
    openDataset: (input) => openFromDataset(input),
    openProject: ({ projectDir }) => openExisting(projectDir),
    async createFromImages({ imagesDir, projectDir: projectArg, classes, valFraction }) {
      const dir = await requireDirectory(imagesDir, 'Images folder');
      const projectDir = path.resolve(projectArg ?? defaultProjectDir(dataDir, dir));
      refuseProjectInsideDataset(dir, projectDir);
      if (await hasProjectFile(projectDir)) {
        throw new UserFacingError(
          `${projectDir} already holds a project: open it, or choose another folder`,
          'project_exists',
        );
      }
      try {
        await createProjectFromImages({
          imagesDir: dir,
          projectDir,
          classes,
          valFraction,
          labelsSource: 'class list',
        });
      } catch (err) {
        if (err instanceof LabelsError) throw new UserFacingError(err.message, err.code);
        throw err;
      }
      return openExisting(projectDir);
    },
    openSample: () =>
      openFromDataset({
        datasetDir: sampleDatasetDir(),
        projectDir: path.join(dataDir, 'projects', 'sample'),
        isSample: true,
        name: 'Sample road scenes',
      }),
  };
}
