import path from 'node:path';
import type { DatasetDescriptor } from '../../shared/dataset/descriptor';
import type { SampleSource } from '../dataset/source';
import { UserFacingError } from '../ipc/dispatcher';
import type { SizedSplits } from '../training/dataset-size';

/**
 * The part of the dataset engine's DatasetIndex the other services rely on. Kept structural
 * so training/evaluation services do not depend on how the index is built.
 */
export interface ProjectDataset extends SizedSplits {
  readonly descriptor: DatasetDescriptor;
  source(split: string): SampleSource;
}

/** The project currently open in the app: where its files live and its indexed dataset. */
export interface OpenProject {
  readonly projectDir: string;
  readonly name: string;
  readonly descriptor: DatasetDescriptor;
  readonly index: ProjectDataset;
  /** `<projectDir>/runs`: one folder per training run (`runs/<run>/eval/<split>.json`...). */
  readonly runsDir: string;
  /** `<projectDir>/exports`: files produced for the user (served under `export/...`). */
  readonly exportsDir: string;
  /** `<projectDir>/cache`: thumbnails, statistics, rendered masks; safe to delete. */
  readonly cacheDir: string;
  /** `<projectDir>/labels`: edited masks and review states (main/labels); never in the dataset. */
  readonly labelsDir: string;
  readonly isSample: boolean;
}

export type ProjectListener = (project: OpenProject | null) => void;

/**
 * The single "which project is open" accessor shared by the services. Only the project
 * service changes it; training and evaluation read it with `require()`.
 */
export interface ProjectSession {
  current(): OpenProject | null;
  /** The open project, or a user-facing error telling the user to open one first. */
  require(): OpenProject;
  /** Called after the open project changes (e.g. to stop a run of the previous project). */
  onChange(listener: ProjectListener): () => void;
}

export interface MutableProjectSession extends ProjectSession {
  set(project: OpenProject | null): void;
}

export function projectLayout(projectDir: string): {
  runsDir: string;
  exportsDir: string;
  cacheDir: string;
  labelsDir: string;
  descriptorFile: string;
} {
  return {
    runsDir: path.join(projectDir, 'runs'),
    exportsDir: path.join(projectDir, 'exports'),
    cacheDir: path.join(projectDir, 'cache'),
    labelsDir: path.join(projectDir, 'labels'),
    descriptorFile: path.join(projectDir, 'segstudio-project.json'),
  };
}

export function createProjectSession(): MutableProjectSession {
  let open: OpenProject | null = null;
  const listeners = new Set<ProjectListener>();
  return {
    current: () => open,
    require() {
      if (!open)
        throw new UserFacingError(
          'No project is open: open a dataset or the sample first.',
          'no_project',
        );
      return open;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(project) {
      open = project;
      for (const listener of listeners) listener(project);
    },
  };
}
