import type { ClassInfo } from '../../shared/contracts/common';
import { projectContract, type ProjectSummary } from '../../shared/contracts/project';
import type { DatasetDescriptor, Problem } from '../../shared/dataset/descriptor';
import {
  cachedClassStatistics,
  countsOf,
  DatasetIndex,
  type ClassStatistics,
} from '../dataset/index';
import type { EventHub } from '../ipc/dispatcher';
import type { LabelStore } from '../labels/store';
import { cachedClassPresence } from './class-presence';
import type { HostAdapter } from './host';
import { writeProjectFile, type ProjectFile } from './project-store';
import { projectLayout, type MutableProjectSession, type OpenProject } from './project-session';

/** What the project and dataset services know about the open project beyond the session. */
export interface ProjectState {
  readonly projectDir: string;
  file: ProjectFile;
  /** The dataset read through the project's edited masks (`labels` is its label source). */
  index: DatasetIndex;
  /** `PROJECT/labels/`: edited masks, review states, versions. */
  readonly labels: LabelStore;
  /** Class statistics per split, once computed (cached on disk by the engine too). */
  readonly stats: Map<string, ClassStatistics>;
  /** Dataset class ids present in each sample's ground truth, per split, once computed. */
  readonly presence: Map<string, Map<string, readonly number[]>>;
  /** Problems the presence pass found in each split's mask values (see class-presence.ts). */
  readonly valueProblems: Map<string, readonly Problem[]>;
}

/** Shared by the project and dataset services: opening, replacing and describing a project. */
export class Workspace {
  private state: ProjectState | null = null;

  constructor(
    readonly host: HostAdapter,
    readonly events: EventHub,
    readonly session: MutableProjectSession,
  ) {}

  current(): ProjectState | null {
    return this.state;
  }

  /** The open project's state; the session's error when none is open. */
  require(): { state: ProjectState; project: OpenProject } {
    const project = this.session.require();
    if (!this.state) throw new Error('project state missing');
    return { state: this.state, project };
  }

  /**
   * Makes the project current. Class statistics and presence saved for its current masks and
   * classes are read back (no mask decoded), so pixel shares and the problems found in mask
   * values survive a reopen; stale ones are not found.
   */
  async activate(
    projectDir: string,
    file: ProjectFile,
    index: DatasetIndex,
    labels: LabelStore,
  ): Promise<OpenProject> {
    const withLabels = index.withLabels(labels);
    const cacheDir = projectLayout(projectDir).cacheDir;
    const stats = new Map<string, ClassStatistics>();
    const presence = new Map<string, Map<string, readonly number[]>>();
    const valueProblems = new Map<string, readonly Problem[]>();
    for (const split of Object.keys(withLabels.splits)) {
      const saved = await cachedClassStatistics(withLabels, split, cacheDir);
      if (saved) stats.set(split, saved);
      // What the presence pass found wrong in the masks' values is known again at once too
      // (statistics read back are never recomputed, so the pass would not run to say it).
      const found = await cachedClassPresence(withLabels, split, cacheDir);
      if (found) {
        presence.set(split, found.presence);
        valueProblems.set(split, found.problems);
      }
    }
    this.state = { projectDir, file, index: withLabels, labels, stats, presence, valueProblems };
    return this.publish();
  }

  /** Saves an edited descriptor (class names, colours, void) and re-derives the index. */
  async updateDescriptor(descriptor: DatasetDescriptor): Promise<OpenProject> {
    const { state } = this.require();
    const file: ProjectFile = { ...state.file, descriptor };
    await writeProjectFile(state.projectDir, file);
    state.file = file;
    // Same files and problems; only the class mapping changed, so no re-scan is needed.
    state.index = state.index.withDescriptor(descriptor);
    state.stats.clear();
    // Which values the classes explain may have changed: look at the masks' values again.
    state.presence.clear();
    state.valueProblems.clear();
    return this.publish();
  }

  /** After a label was saved: statistics and class presence of that split are stale. */
  labelsChanged(split: string): void {
    const state = this.state;
    if (!state) return;
    state.stats.delete(split);
    state.presence.delete(split);
    state.valueProblems.delete(split);
  }

  /**
   * The presence pass read a split's mask values: its problems join the project's, and the
   * summary (problemCount) goes out again when they changed what the UI shows.
   */
  keepValueProblems(split: string, problems: readonly Problem[]): void {
    const { state } = this.require();
    const before = state.valueProblems.get(split) ?? [];
    state.valueProblems.set(split, problems);
    if (before.length !== problems.length || problems.length > 0)
      this.events.emit(projectContract, 'changed', this.summary());
  }

  /** Every problem known now: the open's own, then what the presence pass found since. */
  problems(): Problem[] {
    const { state } = this.require();
    return [...state.index.problems, ...[...state.valueProblems.values()].flat()];
  }

  private publish(): OpenProject {
    const state = this.state!;
    const layout = projectLayout(state.projectDir);
    const project: OpenProject = {
      projectDir: state.projectDir,
      name: state.file.name,
      descriptor: state.index.descriptor,
      index: state.index,
      runsDir: layout.runsDir,
      exportsDir: layout.exportsDir,
      cacheDir: layout.cacheDir,
      labelsDir: layout.labelsDir,
      isSample: state.file.isSample,
    };
    this.session.set(project);
    this.events.emit(projectContract, 'changed', this.summary());
    return project;
  }

  classes(): ClassInfo[] {
    const { state } = this.require();
    const trainingIndex = new Map(state.index.mapper.classes.map((c) => [c.datasetId, c.index]));
    return [...state.index.descriptor.classes]
      .sort((a, b) => a.id - b.id)
      .map((c) => {
        const shares: Record<string, number> = {};
        for (const [split, stats] of state.stats) {
          const hit = stats.classes.find((s) => s.datasetId === c.id);
          if (hit) shares[split] = hit.share;
        }
        return {
          id: c.id,
          index: trainingIndex.get(c.id) ?? null,
          name: c.name,
          color: [...c.color],
          void: c.void === true,
          ...(state.stats.size > 0 && { pixelShare: shares }),
        };
      });
  }

  summary(): ProjectSummary {
    const { state } = this.require();
    const d = state.index.descriptor;
    const splits: ProjectSummary['splits'] = {};
    for (const [name, split] of Object.entries(state.index.splits)) {
      splits[name] = countsOf(split);
    }
    return {
      projectDir: state.projectDir,
      name: state.file.name,
      datasetRoot: d.root,
      format: d.format,
      formatReasons: state.file.formatReasons,
      splits,
      classes: this.classes(),
      voidId: d.voidId,
      problemCount: this.problems().length,
      isSample: state.file.isSample,
    };
  }
}
