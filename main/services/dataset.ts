import type { ServiceHandlers } from '../../shared/ipc/contract';
import type { datasetContract, SampleDetail, SampleRow } from '../../shared/contracts/dataset';
import type { Problem } from '../../shared/contracts/common';
import type { DatasetDescriptor } from '../../shared/dataset/descriptor';
import { classStatistics } from '../dataset/index';
import { UserFacingError } from '../ipc/dispatcher';
import { stateOf } from '../labels/samples';
import type { LabelStore } from '../labels/store';
import { mediaPath } from '../media/resolve';
import { builtEntry } from '../paths';
import { forkNodeWorker } from '../worker/port';
import { classPresence, reuseScans, type PresenceResult } from './class-presence';
import type { ServiceContext } from './context';
import { parseQuery, runQuery, runQueryCached, type QueryContext } from './dataset-query';
import { latestPerImageIoU, type PerImageIoU } from './eval-reports';
import { startJob } from './jobs';
import type { SampleLayerLookup } from './media';
import { predictionFile, sampleLayerFile } from './sample-layers';
import { createOverlayPredictions } from './overlay-predictions';
import { createPredictions } from './predictions';
import type { OpenProject } from './project-session';
import type { ProjectState, Workspace } from './workspace';

export interface DatasetService {
  readonly handlers: ServiceHandlers<typeof datasetContract, ServiceContext>;
  /** Media lookups for `sample/...` paths (see sample-layers.ts). */
  readonly sampleLayer: SampleLayerLookup;
}

function editClass(
  descriptor: DatasetDescriptor,
  edit: { id: number; name?: string; color?: [number, number, number]; void?: boolean },
): DatasetDescriptor {
  const target = descriptor.classes.find((c) => c.id === edit.id);
  if (!target) {
    throw new UserFacingError(
      `No class with id ${edit.id} (have ${descriptor.classes.map((c) => c.id).join(', ')})`,
      'unknown_class',
    );
  }
  const classes = descriptor.classes.map((c) => {
    if (c.id !== edit.id) return c;
    const next = { ...c };
    if (edit.name !== undefined) next.name = edit.name.trim() || c.name;
    if (edit.color !== undefined) next.color = edit.color;
    if (edit.void === true) next.void = true;
    if (edit.void === false) delete next.void;
    return next;
  });
  if (classes.every((c) => c.void)) {
    throw new UserFacingError('At least one class must stay trainable (not void)', 'all_void');
  }
  // One void class is what the engine maps to the ignore label in the descriptor's voidId.
  const voids = classes.filter((c) => c.void);
  const voidId = voids.length === 1 ? voids[0]!.id : voids.length === 0 ? null : descriptor.voidId;
  return { ...descriptor, classes, voidId };
}

/**
 * Label state and edit of a Browse row (main/labels/samples.ts stateOf): a sample with a mask
 * and no state set by hand is labeled, an image without any mask unlabeled.
 */
const labelOf =
  (state: ProjectState) =>
  (split: string, id: string): Pick<SampleRow, 'labelState' | 'edited'> => {
    const record = state.index.findLabelable(id, split);
    const entry = state.labels.entry(split, id);
    return {
      labelState: record ? stateOf(state.index, state.labels, record) : (entry?.state ?? 'labeled'),
      edited: entry?.file != null,
    };
  };

/** How long opening a sample waits for its run's predicted masks before showing it without. */
const PREDICTION_WAIT_MS = 30_000;

export function createDatasetService(workspace: Workspace): DatasetService {
  const predictions = createPredictions({
    events: workspace.events,
    ...(workspace.host.spawnWorker && { spawnWorker: workspace.host.spawnWorker }),
  });
  const overlays = createOverlayPredictions({
    events: workspace.events,
    spawnWorker: workspace.host.spawnWorker ?? forkNodeWorker,
    workerEntry: () => builtEntry('training-worker'),
  });
  const predictionsReady = async (project: OpenProject, run: string, split: string) => {
    const ready = predictions.ensure(project, run, split).catch(() => undefined);
    await Promise.race([ready, new Promise((r) => setTimeout(r, PREDICTION_WAIT_MS).unref())]);
  };
  // A finished evaluation writes its report just after its job ends: look a few times.
  workspace.events.addSink((channel, payload) => {
    const job = payload as { kind?: string; state?: string };
    if (channel !== 'project@job' || job.kind !== 'evaluate' || job.state !== 'done') return;
    for (const delay of [300, 1500, 5000]) {
      setTimeout(() => {
        const project = workspace.session.current();
        if (project) void predictions.refreshRecent(project);
      }, delay).unref();
    }
  });
  const iouFor = async (split: string | undefined, runName: string | undefined) => {
    const { state, project } = workspace.require();
    const splits = split ? [split] : Object.keys(state.index.splits);
    const bySplit = new Map<string, PerImageIoU | null>();
    for (const s of splits) bySplit.set(s, await latestPerImageIoU(project.runsDir, s, runName));
    return bySplit;
  };

  const keepPresence = (split: string, result: PresenceResult): void => {
    const { state } = workspace.require();
    state.presence.set(split, result.presence);
    workspace.keepValueProblems(split, result.problems);
  };

  const ensurePresence = async (split: string | undefined) => {
    const { state, project } = workspace.require();
    const splits = split ? [split] : Object.keys(state.index.splits);
    for (const s of splits) {
      if (state.presence.has(s) || !state.index.splits[s]) continue;
      const job = startJob(workspace.events, 'statistics', `Finding classes in ${s}`);
      try {
        const result = await classPresence(state.index, s, project.cacheDir, (d, t) =>
          job.progress(d, t),
        );
        keepPresence(s, result);
        job.finish();
      } catch (err) {
        job.fail((err as Error).message);
        throw err;
      }
    }
  };

  /**
   * What the rows' label states depend on: saves move the generation, a state set by hand
   * moves an entry's updatedAt (cheap next to the query: one pass over the edited samples).
   */
  const labelsStamp = (labels: LabelStore): string => {
    let latest = 0;
    const entries = labels.all();
    for (const e of entries) latest = Math.max(latest, e.updatedAt);
    return `${labels.generation()}:${entries.length}:${latest}`;
  };

  /** Runs a query (cached by its inputs, see runQueryCached). */
  const queryRows = async (query: ReturnType<typeof parseQuery>): Promise<SampleRow[]> => {
    const { state } = workspace.require();
    if (query.containsClass !== undefined) await ensurePresence(query.split);
    const ious = await iouFor(query.split, query.runName);
    const labels = state.labels;
    const ctx: QueryContext = {
      iou: (split) => ious.get(split) ?? null,
      presence: (split) => state.presence.get(split) ?? null,
      label: labelOf(state),
      found: [...state.valueProblems.values()].flat(),
    };
    const stamp = JSON.stringify([
      [...ious].map(([split, r]) => [split, r?.runName ?? null, r?.evaluatedAt ?? null]),
      [...state.presence.keys()],
      ctx.found?.length ?? 0,
      labelsStamp(labels),
    ]);
    return runQueryCached(state.index, query, ctx, stamp);
  };

  const handlers: DatasetService['handlers'] = {
    classes: () => workspace.classes(),
    async updateClass(edit) {
      const { state } = workspace.require();
      await workspace.updateDescriptor(editClass(state.index.descriptor, edit));
      return workspace.classes();
    },
    problems: () => {
      return workspace.problems().map((p): Problem => ({
        split: p.split,
        sample: p.sample,
        path: p.path,
        reason: p.reason,
        ...(p.detail !== undefined && { detail: p.detail }),
      }));
    },
    async samples(input) {
      const { state } = workspace.require();
      if (input.split !== undefined && !state.index.splits[input.split]) {
        throw new UserFacingError(`No split "${input.split}" in this dataset`, 'unknown_split');
      }
      const rows = await queryRows(input);
      return {
        total: rows.length,
        offset: input.offset,
        items: rows.slice(input.offset, input.offset + input.limit),
      };
    },
    async sample({ split, id, runName, query }) {
      const { state, project } = workspace.require();
      if (!state.index.splits[split]) {
        throw new UserFacingError(`No split "${split}" in this dataset`, 'unknown_split');
      }
      const parsed = parseQuery(query, split);
      const rows = await queryRows(parsed);
      const at = rows.findIndex((r) => r.split === split && r.id === id);
      let row = rows[at];
      if (!row) {
        // Not in the current filter (e.g. opened from the failure-case list): look it up alone.
        const alone = runQuery(state.index, parseQuery({ split, search: id, limit: 1000 }), {
          iou: () => null,
          presence: () => null,
          label: labelOf(state),
        });
        row = alone.find((r) => r.id === id);
      }
      if (!row)
        throw new UserFacingError(`No sample "${id}" in split "${split}"`, 'unknown_sample');
      const record = state.index.findSample(id, split);
      const iou = (await latestPerImageIoU(project.runsDir, split, runName)) ?? null;
      const run = runName ?? iou?.runName ?? null;
      if (run !== null) await predictionsReady(project, run, split);
      const hasPred = run !== null && predictionFile(project, run, split, id) !== null;
      const layer = (name: string) => (record ? mediaPath('sample', split, id, name) : null);
      const predLayer = (name: string) =>
        hasPred && run ? mediaPath('sample', split, id, name, run) : null;
      const detail: SampleDetail = {
        ...row,
        iou: iou?.bySample.get(id) ?? row.iou,
        imagePath: record?.image ?? '',
        annotationPath: record?.annotation ?? null,
        media: {
          image: mediaPath('sample', split, id, 'image'),
          gt: layer('gt'),
          gtIndex: layer('gtIndex'),
          pred: predLayer('pred'),
          predIndex: predLayer('predIndex'),
          error: predLayer('error'),
        },
        problems: workspace
          .problems()
          .filter((p) => p.split === split && p.sample === id)
          .map((p) => ({ ...p })),
        neighbours: {
          previous: at > 0 ? (rows[at - 1]?.id ?? null) : null,
          next: at >= 0 ? (rows[at + 1]?.id ?? null) : null,
        },
      };
      return detail;
    },
    async overlayPredictions({ run, from, samples }) {
      const { state, project } = workspace.require();
      // Rows of problems (no usable image) have nothing to predict from: they get no overlay.
      const known = samples.filter((s) => state.index.findLabelable(s.id, s.split));
      if (!known.length) return { checkpoint: null, overlays: [] };
      return overlays.ensure(project, { run, from, samples: known });
    },
    async computeStatistics() {
      const { state, project } = workspace.require();
      for (const split of Object.keys(state.index.splits)) {
        if (state.stats.has(split)) continue;
        const job = startJob(workspace.events, 'statistics', `Class statistics of ${split}`);
        try {
          // Progress counts masks: the presence pass decodes each once, and the statistics
          // pass reuses those scans (it only decodes when presence came from the cache).
          const found = await classPresence(state.index, split, project.cacheDir, (d, t) =>
            job.progress(d, t),
          );
          keepPresence(split, found);
          const stats = await classStatistics(state.index, split, {
            cacheDir: project.cacheDir,
            scanner: reuseScans(found.scans),
            ...(found.scans.size === 0 && {
              onProgress: (d: number, t: number) => job.progress(d, t),
            }),
          });
          state.stats.set(split, stats);
          job.finish();
        } catch (err) {
          job.fail(`Class statistics of ${split} failed: ${(err as Error).message}`);
          throw new UserFacingError(
            `Class statistics of ${split} failed: ${(err as Error).message}`,
            'statistics_failed',
          );
        }
      }
      return workspace.classes();
    },
  };

  const sampleLayer: SampleLayerLookup = (request) => {
    const { state, project } = workspace.require();
    return Promise.resolve(sampleLayerFile(project, state.index, request));
  };

  return { handlers, sampleLayer };
}
