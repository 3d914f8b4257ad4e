/**
 * The labels service (shared/contracts/labels.ts) over the open project's LabelStore. The
 * work itself lives in main/labels (the CLI calls the same functions); this file turns
 * contract payloads into id masks, keeps the statistics honest after a save and reports
 * errors in words.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { labelsContract, type LoadedMask } from '../../shared/contracts/labels';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { UserFacingError } from '../ipc/dispatcher';
import { addClass } from '../labels/classes';
import { LabelsError } from '../labels/errors';
import { exportLabels } from '../labels/export';
import { applyPatches, maskFromPayload, payloadOfMask } from '../labels/payload';
import {
  currentLabel,
  datasetMask,
  eraseId,
  fileSha256,
  requireSample,
  sampleStatusOf,
  saveLabel,
  statusOf,
} from '../labels/samples';
import { exportMediaPath } from '../media/resolve';
import { builtEntry } from '../paths';
import { saveDrafts } from '../labels/drafts';
import { LabelsJobResult } from '../training/label-result';
import { runWorkerJob, WorkerJobError } from '../training/worker-job';
import { forkNodeWorker } from '../worker/port';
import type { ServiceContext } from './context';
import type { OpenProject } from './project-session';
import { startJob } from './jobs';
import type { Workspace } from './workspace';

const STAGE_TTL_MS = 5 * 60_000;

async function words<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (err) {
    if (err instanceof LabelsError) throw new UserFacingError(err.message, err.code);
    throw err;
  }
}

export function createLabelsService(
  workspace: Workspace,
): ServiceHandlers<typeof labelsContract, ServiceContext> {
  const staged = new Map<string, { pieces: string[]; at: number }>();
  const workerOptions = (onProgress: (done: number, total: number) => void) => ({
    spawn: workspace.host.spawnWorker ?? forkNodeWorker,
    workerEntry: builtEntry('training-worker'),
    onProgress,
  });
  const labelsJobOf = (project: OpenProject, run: string, split: string | undefined) => ({
    type: 'labels' as const,
    runDir: path.join(project.runsDir, run),
    projectDir: project.projectDir,
    descriptor: project.descriptor,
    ...(split !== undefined && { split }),
  });

  const open = () => {
    const { state, project } = workspace.require();
    return { index: state.index, store: state.labels, project };
  };

  const loaded = async (split: string, id: string): Promise<LoadedMask> => {
    const { index, store } = open();
    const label = await currentLabel(index, store, split, id);
    return {
      split,
      id,
      width: label.mask.width,
      height: label.mask.height,
      origin: label.origin,
      state: label.state,
      source: label.source,
      revision: label.revision,
      mask:
        label.origin === 'none' && label.journalReplayed === 0 ? null : payloadOfMask(label.mask),
      journalReplayed: label.journalReplayed,
      annotation: {
        baseSha256: label.baseSha256,
        currentSha256: label.currentSha256,
        conflict: label.origin === 'edit' && label.baseSha256 !== label.currentSha256,
      },
      voidId: eraseId(index),
    };
  };

  const announce = (split: string, id: string) => {
    const { index, store } = open();
    workspace.labelsChanged(split);
    workspace.events.emit(labelsContract, 'changed', sampleStatusOf(index, store, split, id));
  };

  /** Saves a mask the user made (a save or a restored revision), tells every window. */
  const saveByHand = async (request: Omit<Parameters<typeof saveLabel>[2], 'source'>) => {
    const { index, store } = open();
    const saved = await saveLabel(index, store, { ...request, source: 'human' });
    announce(request.split, request.id);
    return {
      revision: saved.entry.revision,
      state: saved.entry.state,
      savedAt: saved.entry.updatedAt,
      bytes: saved.bytes,
      millis: saved.millis,
    };
  };

  const takeStaged = (uploadId: string): string => {
    const entry = staged.get(uploadId);
    staged.delete(uploadId);
    if (!entry) {
      throw new UserFacingError(
        `No staged upload ${uploadId} (expired after 5 minutes, or already saved); send the mask again`,
        'no_upload',
      );
    }
    return entry.pieces.join('');
  };

  return {
    status: ({ split }) => words(async () => statusOf(open().index, open().store, split)),
    load: ({ split, id }) => words(() => loaded(split, id)),
    stage({ uploadId, index, data }) {
      const now = Date.now();
      for (const [key, entry] of staged) if (now - entry.at > STAGE_TTL_MS) staged.delete(key);
      const entry = staged.get(uploadId) ?? { pieces: [], at: now };
      entry.pieces[index] = data;
      entry.at = now;
      staged.set(uploadId, entry);
      return { received: entry.pieces.filter((p) => p !== undefined).length };
    },
    save: (input) =>
      words(async () => {
        const { index, store } = open();
        const { split, id } = input;
        let mask;
        if (input.mask) {
          const data = input.uploadId ? takeStaged(input.uploadId) : input.mask.data;
          mask = maskFromPayload({ ...input.mask, data });
        } else {
          mask = (await currentLabel(index, store, split, id)).mask;
        }
        if (input.patches?.length) mask = applyPatches(mask, input.patches);
        return saveByHand({
          split,
          id,
          mask,
          baseRevision: input.baseRevision,
          ...(input.state && { state: input.state }),
        });
      }),
    journal: ({ split, id, baseRevision, patches }) =>
      words(async () => {
        const { index, store } = open();
        requireSample(index, split, id);
        const records = await store.appendJournal(split, id, { baseRevision, patches });
        return { records };
      }),
    discardJournal: ({ split, id }) =>
      words(async () => {
        await open().store.discardJournal(split, id);
        return {};
      }),
    resolveConflict: ({ split, id, choice }) =>
      words(async () => {
        const { index, store } = open();
        const record = requireSample(index, split, id);
        const now = await fileSha256(record.annotation || null);
        if (choice === 'take-theirs') await store.dropEdit(split, id);
        else if (choice === 'keep-mine') await store.rebase(split, id, now);
        else {
          // Theirs becomes an earlier version, mine stays current and is re-based.
          const mine = await store.readRevision(split, id);
          if (mine) {
            const entry = store.entry(split, id)!;
            await store.save({
              split,
              id,
              mask: await datasetMask(index, record),
              baseRevision: entry.revision,
              source: 'human',
              state: entry.state,
              datasetSha256: now,
            });
            await store.save({
              split,
              id,
              mask: mine,
              baseRevision: entry.revision + 1,
              source: entry.source ?? 'human',
              state: entry.state,
              datasetSha256: now,
            });
            await store.rebase(split, id, now);
          }
        }
        announce(split, id);
        return loaded(split, id);
      }),
    setState: ({ split, id, state }) =>
      words(async () => {
        const { index, store } = open();
        requireSample(index, split, id);
        await store.setState(split, id, state);
        announce(split, id);
        return sampleStatusOf(index, store, split, id);
      }),
    history: ({ split, id }) =>
      words(async () => {
        const entry = open().store.entry(split, id);
        if (!entry) return [];
        const all = [...entry.versions];
        if (entry.file)
          all.push({
            revision: entry.revision,
            savedAt: entry.updatedAt,
            source: entry.source ?? 'human',
            state: entry.state,
            file: entry.file,
          });
        return all.map(({ revision, savedAt, source, state }) => ({
          revision,
          savedAt,
          source,
          state,
        }));
      }),
    revert: ({ split, id, revision }) =>
      words(async () => {
        const { store } = open();
        const mask = await store.readRevision(split, id, revision);
        if (!mask) {
          throw new LabelsError(`${split}/${id} has no kept revision ${revision}`, 'no_revision');
        }
        const entry = store.entry(split, id)!;
        return saveByHand({ split, id, mask, baseRevision: entry.revision });
      }),
    addClass: ({ name, color }) =>
      words(async () => {
        const { index } = open();
        await workspace.updateDescriptor(addClass(index.descriptor, name, color));
        return workspace.classes();
      }),
    prelabel: ({ run, split }) =>
      words(async () => {
        const { index, store, project } = open();
        const outDir = await fs.mkdtemp(path.join(project.cacheDir, 'drafts-'));
        const job = startJob(workspace.events, 'predict', `Pre-labelling with ${run}`);
        try {
          const result = LabelsJobResult.parse(
            await runWorkerJob(
              { ...labelsJobOf(project, run, split), job: 'drafts', outDir },
              workerOptions((d, t) => job.progress(d, t)),
            ),
          );
          if (result.job !== 'drafts') throw new Error('unexpected reply from the worker');
          const saved = await saveDrafts(index, store, result.tag, result.drafts);
          job.finish(`${saved.drafted} drafts`);
          const skipped = saved.skipped + result.skipped;
          for (const split of new Set(result.drafts.map((d) => d.split))) {
            workspace.labelsChanged(split);
          }
          return { drafted: saved.drafted, skipped };
        } catch (err) {
          job.fail(`Pre-labelling with ${run} failed: ${(err as Error).message}`);
          throw err instanceof WorkerJobError ? new LabelsError(err.message, 'job_failed') : err;
        } finally {
          await fs.rm(outDir, { recursive: true, force: true });
        }
      }),
    rank: ({ run, split }) =>
      words(async () => {
        const { project } = open();
        const job = startJob(
          workspace.events,
          'predict',
          `Ranking samples by ${run}'s uncertainty`,
        );
        try {
          const result = LabelsJobResult.parse(
            await runWorkerJob(
              { ...labelsJobOf(project, run, split), job: 'rank' },
              workerOptions((d, t) => job.progress(d, t)),
            ),
          );
          job.finish();
          return result.job === 'rank' ? result.samples : [];
        } catch (err) {
          job.fail(`Ranking with ${run} failed: ${(err as Error).message}`);
          throw err instanceof WorkerJobError ? new LabelsError(err.message, 'job_failed') : err;
        }
      }),
    uncertainty: ({ split, id, run, from }) =>
      words(async () => {
        const { index, project } = open();
        requireSample(index, split, id);
        try {
          const result = LabelsJobResult.parse(
            await runWorkerJob(
              {
                ...labelsJobOf(project, run, undefined),
                job: 'uncertainty',
                from,
                sample: { split, id },
              },
              workerOptions(() => undefined),
            ),
          );
          if (result.job !== 'uncertainty') throw new Error('unexpected reply from the worker');
          return result.map;
        } catch (err) {
          if (!(err instanceof WorkerJobError)) throw err;
          throw new LabelsError(
            `The uncertainty of ${run} on ${split}/${id} could not be computed: ${err.message}`,
            'job_failed',
          );
        }
      }),
    export: ({ out, encoding, split, inPlace }) =>
      words(async () => {
        const { index, store, project } = open();
        const dir =
          out ??
          path.join(project.exportsDir, `labels-${encoding}-${randomBytes(3).toString('hex')}`);
        const job = startJob(workspace.events, 'export', `Exporting labels (${encoding})`);
        try {
          const result = await exportLabels(index, store, {
            out: dir,
            encoding,
            ...(split !== undefined && { split }),
            inPlace,
            onProgress: (d, t) => job.progress(d, t),
          });
          job.finish();
          return {
            dir: result.dir,
            written: result.written,
            files: result.files.slice(0, 50).map((f) => ({
              path: f.path,
              mediaPath: exportMediaPath(project.exportsDir, f.path) ?? '',
              bytes: f.bytes,
            })),
          };
        } catch (err) {
          job.fail(`Label export failed: ${(err as Error).message}`);
          throw err;
        }
      }),
  };
}
