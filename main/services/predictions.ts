import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CheckpointKind, RunName } from '../../shared/contracts/common';
import { readZip } from '../fs/zip';
import { writeJsonAtomic } from '../fs/atomic';
import { readJsonOrNull } from '../fs/json';
import type { EventHub } from '../ipc/dispatcher';
import { decodeMediaSegments } from '../media/resolve';
import { builtEntry } from '../paths';
import { evalMaskPaths, MaskStamp } from '../training/eval-masks';
import { runWorkerJob } from '../training/worker-job';
import { forkNodeWorker, type WorkerSpawner } from '../worker/port';
import { evalReportPath } from './eval-reports';
import { startJob } from './jobs';
import type { OpenProject } from './project-session';

/**
 * Predicted masks for the sample viewer and the failure cases. An evaluation keeps its own
 * masks in the run folder with a stamp naming its report (main/training/eval-masks.ts); then
 * there is nothing to do here. Reports without them (older ones) fall back to predicting the
 * same split once more in a short-lived worker (the `predict` job, masks in the dataset's own
 * encoding), the masks landing in `<project>/cache/predictions/<run>/<split>/<id>.png` with a stamp naming the report
 * they belong to. A newer evaluation replaces them; deleting the cache only costs a re-run.
 */
const Stamp = z.object({ evaluatedAt: z.number(), checkpoint: z.string() });
type Stamp = z.infer<typeof Stamp>;

const ReportHead = z.object({ evaluatedAt: z.number(), checkpoint: z.string() });

const STAMP_FILE = '.stamp.json';
const RECENT_MS = 60_000;
const safeSplit = (split: string): string => split.replace(/[^A-Za-z0-9._-]/g, '_');

export function predictionsDir(cacheDir: string, run: string, split: string): string {
  return path.join(cacheDir, 'predictions', run, safeSplit(split));
}

export interface PredictionsOptions {
  readonly events: EventHub;
  readonly spawnWorker?: WorkerSpawner;
  /** The training-worker bundle; defaults to out/main/training-worker.cjs. */
  readonly workerEntry?: () => string;
}

export interface Predictions {
  /**
   * Makes sure the masks match the latest report of (run, split): resolves at once when they
   * do (or there is no report), else when the predict job that was started/running ends.
   */
  ensure(project: OpenProject, run: string, split: string): Promise<void>;
  /**
   * After an evaluation: predicts for the reports written in the last minute. Older reports
   * (other runs, a deleted cache) are only redone when one of their samples is opened.
   */
  refreshRecent(project: OpenProject): Promise<void>;
}

export function createPredictions(options: PredictionsOptions): Predictions {
  const running = new Map<string, Promise<void>>();
  // A report whose prediction failed is not retried on every sample opened (the job event
  // already told the user why); a new evaluation gets a new attempt.
  const failed = new Set<string>();
  // One predict worker at a time: a second tfjs process next to training is already plenty.
  let queue: Promise<unknown> = Promise.resolve();

  const produce = async (project: OpenProject, run: string, split: string, head: Stamp) => {
    const dir = predictionsDir(project.cacheDir, run, split);
    const parent = path.dirname(dir);
    await fs.mkdir(parent, { recursive: true });
    const archive = path.join(parent, `.${safeSplit(split)}-${Date.now()}.zip`);
    const job = startJob(options.events, 'predict', `Predicted masks of ${run} on ${split}`);
    try {
      const from = CheckpointKind.safeParse(head.checkpoint);
      await runWorkerJob(
        {
          type: 'predict',
          runDir: path.join(project.runsDir, run),
          from: from.success ? from.data : 'best',
          split,
          encoding: 'dataset',
          archive,
        },
        {
          spawn: options.spawnWorker ?? forkNodeWorker,
          workerEntry: (options.workerEntry ?? (() => builtEntry('training-worker')))(),
          onProgress: (done, total) => job.progress(done, total),
        },
      );
      const fresh = `${dir}.new-${Date.now()}`;
      await fs.mkdir(fresh, { recursive: true });
      for (const entry of readZip(await fs.readFile(archive))) {
        // Names come from a file we made, but a mask name is still checked like any path.
        const segments = decodeMediaSegments(encodeURIComponent(entry.name));
        if (!segments || segments.length !== 1 || !entry.name.endsWith('.png')) continue;
        await fs.writeFile(path.join(fresh, entry.name), entry.data);
      }
      await writeJsonAtomic(path.join(fresh, STAMP_FILE), head);
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rename(fresh, dir);
      job.finish();
    } catch (err) {
      job.fail(`Predicted masks of ${run} on ${split} failed: ${(err as Error).message}`);
      throw err;
    } finally {
      await fs.rm(archive, { force: true });
    }
  };

  const ensure: Predictions['ensure'] = async (project, run, split) => {
    if (!RunName.safeParse(run).success) return;
    const head = await readJsonOrNull(evalReportPath(project.runsDir, run, split), ReportHead);
    if (!head) return;
    // The evaluation kept its own masks (the usual case): nothing to predict again.
    const evalMasks = evalMaskPaths(path.join(project.runsDir, run), split);
    const kept = await readJsonOrNull(evalMasks.stamp, MaskStamp);
    if (kept && kept.evaluatedAt === head.evaluatedAt && kept.checkpoint === head.checkpoint) {
      return;
    }
    const dir = predictionsDir(project.cacheDir, run, split);
    const stamp = await readJsonOrNull(path.join(dir, STAMP_FILE), Stamp);
    if (stamp && stamp.evaluatedAt === head.evaluatedAt && stamp.checkpoint === head.checkpoint) {
      return;
    }
    const key = `${project.projectDir}\u0000${run}\u0000${split}\u0000${head.evaluatedAt}`;
    if (failed.has(key)) return;
    let pending = running.get(key);
    if (!pending) {
      pending = queue
        .then(() => produce(project, run, split, head))
        .catch((err: unknown) => {
          failed.add(key);
          throw err;
        })
        .finally(() => running.delete(key));
      queue = pending.catch(() => undefined);
      running.set(key, pending);
    }
    return pending;
  };

  return {
    ensure,
    async refreshRecent(project) {
      const runs = await fs.readdir(project.runsDir, { withFileTypes: true }).catch(() => []);
      for (const run of runs) {
        if (!run.isDirectory() || !RunName.safeParse(run.name).success) continue;
        const evalDir = path.join(project.runsDir, run.name, 'eval');
        const reports = await fs.readdir(evalDir).catch(() => [] as string[]);
        for (const report of reports.filter((r) => r.endsWith('.json'))) {
          const head = await readJsonOrNull(path.join(evalDir, report), ReportHead);
          if (!head || Date.now() - head.evaluatedAt > RECENT_MS) continue;
          await ensure(project, run.name, report.replace(/\.json$/, '')).catch(() => undefined);
        }
      }
    },
  };
}
