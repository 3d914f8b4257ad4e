import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { TrainRequest } from '../../shared/contracts/training';
import { TrainRequest as TrainRequestSchema } from '../../shared/contracts/training';
import { checkpointDir, readCheckpoint } from '../../main/engine/checkpoint';
import type { NamedArray } from '../../main/engine/optimizer';
import { builtEntry } from '../../main/paths';
import { TrainingHost, type HostEvent, type RestartPolicy } from '../../main/training/host';
import { configFromRequest } from '../../main/training/request';
import { createRunFolder } from '../../main/training/run-folder';
import { forkNodeWorker } from '../../main/worker/port';
import { ensureBuilt } from '../support/build';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';

export interface RunsFixture {
  dataset: string;
  runs: string;
}

/**
 * For the enclosing describe block: built entries, a mini CamVid copy and an empty runs folder
 * before its tests (fields filled in then), both removed after them.
 */
export function miniCamvidRuns(
  prefix: string,
  counts?: Parameters<typeof makeMiniCamvid>[0],
): RunsFixture {
  const fixture: RunsFixture = { dataset: '', runs: '' };
  beforeAll(() => {
    ensureBuilt();
    fixture.dataset = makeMiniCamvid(counts);
    fixture.runs = tempDir(prefix).dir;
  });
  afterAll(() => {
    rmSync(fixture.dataset, { recursive: true, force: true });
    rmSync(fixture.runs, { recursive: true, force: true });
  });
  return fixture;
}

/** The arguments of `segstudio train` into run folder `runDir` on the fixture's dataset. */
export function trainArgs(fx: RunsFixture, runDir: string): string[] {
  return ['train', '--dataset', fx.dataset, '--run', runDir];
}

/** Tiny, fast run: 64x64, batch 2 -> 4 steps per epoch on 8 train images. */
export const TINY: Omit<TrainRequest, 'runName'> = {
  preset: 'default',
  width: 64,
  height: 64,
  batch: 2,
  epochs: 3,
  seed: 7,
};

export async function createRun(
  runsDir: string,
  runName: string,
  dataset: string,
  request: Omit<TrainRequest, 'runName'> = TINY,
): Promise<string> {
  const parsed = TrainRequestSchema.parse({ ...request, runName });
  const runDir = path.join(runsDir, runName);
  await createRunFolder(runDir, {
    runName,
    request: parsed,
    config: configFromRequest(parsed),
    dataset: { root: dataset, descriptor: null },
  });
  return runDir;
}

export interface RecordingHost {
  readonly host: TrainingHost;
  readonly events: HostEvent[];
  /** Resolves on the first event matching `predicate` (including ones already seen). */
  next(predicate: (e: HostEvent) => boolean): Promise<HostEvent>;
  /** Calls `listener` on every later event. */
  listen(listener: (e: HostEvent) => void): void;
}

export function recordingHost(restart?: RestartPolicy): RecordingHost {
  const events: HostEvent[] = [];
  const waiters: { predicate: (e: HostEvent) => boolean; resolve: (e: HostEvent) => void }[] = [];
  const listeners: ((e: HostEvent) => void)[] = [];
  const host = new TrainingHost({
    spawn: forkNodeWorker,
    workerEntry: builtEntry('training-worker'),
    ...(restart && { restart }),
    // libtensorflow's startup chatter would bury the test output.
    env: { TF_CPP_MIN_LOG_LEVEL: '2' },
    onEvent: (event) => {
      events.push(event);
      for (const listener of listeners) listener(event);
      for (const w of [...waiters]) {
        if (w.predicate(event)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event);
        }
      }
    },
  });
  return {
    host,
    events,
    next: (predicate) => {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    listen: (listener) => listeners.push(listener),
  };
}

export async function lastWeights(runDir: string): Promise<readonly NamedArray[]> {
  return (await readCheckpoint(checkpointDir(runDir, 'last'))).payload.model;
}

/**
 * Step losses as logged in steps.jsonl (one line per step for short runs), without the lines'
 * speed, which follows the wall clock and so differs between two identical runs.
 */
export function stepLosses(runDir: string): { step: number; loss: number }[] {
  return readFileSync(path.join(runDir, 'steps.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const { step, loss } = JSON.parse(line) as { step: number; loss: number };
      return { step, loss };
    });
}
