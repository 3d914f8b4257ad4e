import { mkdirSync, readdirSync, watch } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainRequest } from '../../shared/contracts/training';
import { loadLatestCheckpoint } from '../../main/engine/checkpoint';
import { readRunFile } from '../../main/training/run-folder';
import {
  createRun,
  lastWeights,
  miniCamvidRuns,
  recordingHost,
  stepLosses,
  type RecordingHost,
} from './helpers';
import { maxWeightDiff } from '../support/weights';

/** Deterministic "random" moments, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The AlexNet preset has ~30 MB checkpoints (weights + Adam slots): writes take long enough
// for a kill to land inside one.
const CRASHY: Omit<TrainRequest, 'runName'> = {
  preset: 'seed-alexnet-fcn',
  width: 64,
  height: 64,
  batch: 2,
  epochs: 4,
  seed: 3,
};
const TOTAL = 16;

function lastCheckpointStep(rec: RecordingHost): number {
  let step = 0;
  for (const e of rec.events) {
    if (e.type === 'checkpoint' && e.checkpoint.kind === 'last') step = e.checkpoint.globalStep;
  }
  return step;
}

/** Kills the worker with SIGKILL when `trigger` resolves, unless the run settled first. */
async function killWhen(rec: RecordingHost, trigger: Promise<unknown>): Promise<boolean> {
  const settled = rec.host.waitForSettled()!;
  const winner = await Promise.race([trigger.then(() => 'kill'), settled.then(() => 'settled')]);
  if (winner === 'settled') return false;
  const pid = rec.host.workerPid();
  if (pid === null) return false;
  process.kill(pid, 'SIGKILL');
  return true;
}

describe('kill -9 of the training worker', () => {
  const fx = miniCamvidRuns('crash-runs');

  it('at random moments (training and checkpoint writes) never loses more than the work since the last checkpoint', async () => {
    const straightDir = await createRun(fx.runs, 'straight', fx.dataset, CRASHY);
    const straight = recordingHost();
    await straight.host.start(straightDir);
    expect((await straight.host.waitForSettled()!).state).toBe('finished');

    const runDir = await createRun(fx.runs, 'crashy', fx.dataset, CRASHY);
    const checkpoints = path.join(runDir, 'checkpoints');
    mkdirSync(checkpoints);
    const random = lcg(20261130);
    let kills = 0;
    let tornWrites = 0;
    let lastKnownCheckpoint = 0;
    const rounds: string[] = [];
    for (let round = 0; round < 4; round++) {
      const rec = recordingHost({ maxRestarts: 0, windowMs: 60_000 });
      if (round === 0) await rec.host.start(runDir);
      else await rec.host.resume(runDir);
      const duringWrite = round % 2 === 1;
      let trigger: Promise<unknown>;
      let stopWatching = (): void => undefined;
      if (duringWrite) {
        // Fires as soon as the checkpoint store creates its temp folder, i.e. mid-write.
        trigger = new Promise<void>((resolve) => {
          const watcher = watch(checkpoints, (_event, name) => {
            if (name?.startsWith('.tmp-')) {
              watcher.close();
              setTimeout(resolve, Math.floor(random() * 40));
            }
          });
          stopWatching = () => watcher.close();
        });
      } else {
        trigger = rec
          .next((e) => e.type === 'progress')
          .then(() => sleep(200 + Math.floor(random() * 1500)));
      }
      const killed = await killWhen(rec, trigger);
      stopWatching();
      const outcome = await rec.host.waitForSettled()!;
      const tornWrite =
        killed && duringWrite && readdirSync(checkpoints).some((n) => n.startsWith('.tmp-'));
      if (tornWrite) tornWrites++;
      rounds.push(`${duringWrite ? 'write' : 'train'}:${killed ? outcome.state : 'not killed'}`);
      lastKnownCheckpoint = Math.max(lastKnownCheckpoint, lastCheckpointStep(rec));
      if (!killed) continue;
      kills++;
      expect(outcome.state).toBe('crashed');
      // Never a corrupt state: an intact checkpoint loads, at or after the last one announced.
      const latest = await loadLatestCheckpoint(runDir).catch((err: Error) => err);
      if (latest instanceof Error) {
        // Killed before its first checkpoint completed: nothing saved, nothing to lose.
        expect(lastKnownCheckpoint).toBe(0);
      } else {
        expect(latest.manifest.globalStep).toBeGreaterThanOrEqual(lastKnownCheckpoint);
        lastKnownCheckpoint = latest.manifest.globalStep;
      }
      expect((await readRunFile(runDir)).runName).toBe('crashy');
    }
    expect(kills, rounds.join(', ')).toBeGreaterThanOrEqual(2);
    // At least one kill really landed inside a checkpoint write (its temp folder is left over).
    expect(tornWrites, rounds.join(', ')).toBeGreaterThanOrEqual(1);

    const final = recordingHost();
    await final.host.resume(runDir);
    const done = await final.host.waitForSettled()!;
    expect(done.state).toBe('finished');
    expect(done.position?.globalStep).toBe(TOTAL);
    // Crashes cost time, never correctness: the result equals the uninterrupted run.
    expect(
      maxWeightDiff(await lastWeights(straightDir), await lastWeights(runDir)),
    ).toBeLessThanOrEqual(1e-5);
    expect(stepLosses(runDir)).toEqual(stepLosses(straightDir));
  });

  it('restarts a crashed worker from the last checkpoint automatically, with bounded retries', async () => {
    const runDir = await createRun(fx.runs, 'auto', fx.dataset, { ...CRASHY, preset: 'default' });
    const rec = recordingHost({ maxRestarts: 2, windowMs: 60_000 });
    await rec.host.start(runDir, { stopAfterSteps: 10 });
    // Crash once after the first epoch's checkpoint: the host must come back on its own.
    await rec.next((e) => e.type === 'checkpoint' && e.checkpoint.globalStep >= 4);
    process.kill(rec.host.workerPid()!, 'SIGKILL');
    const outcome = await rec.host.waitForSettled()!;
    expect(outcome.state).toBe('paused');
    expect(outcome.position?.globalStep).toBe(10);
    const warnings = rec.events.filter((e) => e.type === 'log' && e.level === 'warn');
    expect(
      warnings.some(
        (e) => e.type === 'log' && /restarting from the last checkpoint/.test(e.message),
      ),
    ).toBe(true);
    const steps = stepLosses(runDir).map((s) => s.step);
    expect(steps).toEqual([...Array(10).keys()].map((i) => i + 1));

    // A worker that dies every time it starts: 1 + 2 restarts, then the run is crashed.
    const doomed = recordingHost({ maxRestarts: 2, windowMs: 60_000 });
    let spawns = 0;
    doomed.listen((e) => {
      if (e.type === 'state' && e.summary.state === 'running') {
        spawns++;
        const pid = doomed.host.workerPid();
        if (pid !== null) process.kill(pid, 'SIGKILL');
      }
    });
    await doomed.host.resume(runDir);
    const dead = await doomed.host.waitForSettled()!;
    expect(dead.state).toBe('crashed');
    expect(spawns).toBe(3);
    expect(dead.message).toMatch(/giving up/);
    expect((await readRunFile(runDir)).state).toBe('crashed');
    // The checkpoint survived all of it.
    expect((await loadLatestCheckpoint(runDir)).manifest.globalStep).toBe(10);
  });
});
