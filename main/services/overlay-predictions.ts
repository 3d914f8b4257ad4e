/**
 * Browse's prediction overlay: a run's prediction for each thumbnail, computed lazily by the
 * engine in a short-lived worker (the `labels` job `overlays`) and cached as thumbnail-sized
 * colour PNGs in `<project>/cache/overlays/<run>/<slot>-<checkpoint key>/<sample key>.png`.
 * The checkpoint key comes from the slot's manifest (step and time written), so a new best or
 * last checkpoint gets a new folder and the old one is removed: overlays never outlive the
 * weights that made them. Deleting the cache only costs predicting again.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { CheckpointKind } from '../../shared/contracts/common';
import { CheckpointManifest, checkpointDir } from '../engine/checkpoint';
import { readJsonOrNull } from '../fs/json';
import { UserFacingError } from '../ipc/dispatcher';
import { LabelsJobResult } from '../training/label-result';
import { runWorkerJob, WorkerJobError } from '../training/worker-job';
import type { WorkerSpawner } from '../worker/port';
import { startJob } from './jobs';
import type { EventHub } from '../ipc/dispatcher';
import { projectFileMediaPath } from './media';
import type { OpenProject } from './project-session';

export interface SampleKey {
  readonly split: string;
  readonly id: string;
}

export interface OverlayRequest {
  readonly run: string;
  readonly from: CheckpointKind;
  readonly samples: readonly SampleKey[];
}

export interface OverlayResult {
  /** The slot's checkpoint the overlays were predicted with; null when the run has none yet. */
  readonly checkpoint: { kind: CheckpointKind; globalStep: number } | null;
  /** Media paths of the overlays of the samples that have one (unreadable images have none). */
  readonly overlays: { split: string; id: string; media: string }[];
}

export interface OverlayPredictionsOptions {
  readonly events: EventHub;
  readonly spawnWorker: WorkerSpawner;
  readonly workerEntry: () => string;
}

export interface OverlayPredictions {
  /**
   * Resolves once every sample of the request has its overlay (predicting the missing ones in
   * one worker job, after any job already running), with the media path of each. Throws a
   * UserFacingError naming the run when the worker fails.
   */
  ensure(project: OpenProject, request: OverlayRequest): Promise<OverlayResult>;
}

const hash = (...parts: (string | number)[]) =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);

/** The slot whose weights predict (`best` falls back to `last` like restoreModel) and its key. */
async function checkpointOf(
  runDir: string,
  from: CheckpointKind,
): Promise<{ kind: CheckpointKind; globalStep: number; key: string } | null> {
  for (const kind of from === 'best' ? (['best', 'last'] as const) : [from]) {
    const file = path.join(checkpointDir(runDir, kind), 'manifest.json');
    const manifest = await readJsonOrNull(file, CheckpointManifest);
    if (manifest) {
      const key = hash(kind, manifest.globalStep, manifest.createdAt);
      return { kind, globalStep: manifest.globalStep, key };
    }
  }
  return null;
}

export function createOverlayPredictions(options: OverlayPredictionsOptions): OverlayPredictions {
  // One overlay worker at a time; requests wait their turn rather than start a tfjs process each.
  let queue: Promise<unknown> = Promise.resolve();

  const predict = async (project: OpenProject, request: OverlayRequest, dir: string) => {
    const { run, from, samples } = request;
    const missing = samples.filter(
      (s) => !existsSync(path.join(dir, `${hash(s.split, s.id)}.png`)),
    );
    if (!missing.length) return;
    await fs.mkdir(dir, { recursive: true });
    const outDir = await fs.mkdtemp(path.join(path.dirname(dir), '.new-'));
    const job = startJob(options.events, 'predict', `Overlays of ${run} (${missing.length})`);
    try {
      const result = LabelsJobResult.parse(
        await runWorkerJob(
          {
            type: 'labels',
            runDir: path.join(project.runsDir, run),
            projectDir: project.projectDir,
            descriptor: project.descriptor,
            job: 'overlays',
            from,
            samples: missing.map(({ split, id }) => ({ split, id })),
            outDir,
          },
          {
            spawn: options.spawnWorker,
            workerEntry: options.workerEntry(),
            onProgress: (done, total) => job.progress(done, total),
          },
        ),
      );
      if (result.job !== 'overlays') throw new Error('unexpected reply from the worker');
      for (const f of result.files) {
        await fs.rename(f.file, path.join(dir, `${hash(f.split, f.id)}.png`));
      }
      job.finish();
    } catch (err) {
      job.fail(`Overlays of ${run} failed: ${(err as Error).message}`);
      if (err instanceof WorkerJobError) {
        throw new UserFacingError(
          `The predictions of ${run} for the thumbnails could not be made: ${err.message}`,
          'job_failed',
        );
      }
      throw err;
    } finally {
      await fs.rm(outDir, { recursive: true, force: true });
    }
  };

  return {
    async ensure(project, request) {
      const runDir = path.join(project.runsDir, request.run);
      const checkpoint = await checkpointOf(runDir, request.from);
      if (!checkpoint) return { checkpoint: null, overlays: [] };
      const runCache = path.join(project.cacheDir, 'overlays', request.run);
      const current = `${request.from}-${checkpoint.key}`;
      const dir = path.join(runCache, current);
      // Overlays of this slot's older checkpoints are stale: drop them.
      for (const old of await fs.readdir(runCache).catch(() => [] as string[])) {
        if (old.startsWith(`${request.from}-`) && old !== current) {
          await fs.rm(path.join(runCache, old), { recursive: true, force: true });
        }
      }
      const pending = queue.then(() => predict(project, request, dir));
      queue = pending.catch(() => undefined);
      await pending;
      const overlays = request.samples.flatMap(({ split, id }) => {
        const file = path.join(dir, `${hash(split, id)}.png`);
        return existsSync(file) ? [{ split, id, media: projectFileMediaPath(project, file) }] : [];
      });
      return { checkpoint: { kind: checkpoint.kind, globalStep: checkpoint.globalStep }, overlays };
    },
  };
}
