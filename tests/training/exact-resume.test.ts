import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunFile, updateRunFile } from '../../main/training/run-folder';
import { createRun, lastWeights, miniCamvidRuns, recordingHost, stepLosses } from './helpers';
import { maxWeightDiff } from '../support/weights';

/**
 * The headline guarantee, across real worker processes: 12 steps straight equal 5 steps,
 * pause (the worker exits), then a new worker resuming to 12 — same weights, same losses.
 * The straight run also checks that the worker does not leak tensors across epochs.
 */
describe('pause / resume across worker processes', () => {
  const fx = miniCamvidRuns('runs');

  /**
   * A run of the tiny request that validates after every epoch: the preset's validationShare
   * skips validations by wall time, which two runs need not share, and the epoch-by-epoch
   * comparison of val losses below needs each epoch's.
   */
  async function everyEpochRun(name: string): Promise<string> {
    const runDir = await createRun(fx.runs, name, fx.dataset);
    const run = await readRunFile(runDir);
    await updateRunFile(runDir, { config: { ...run.config, validationShare: null } });
    return runDir;
  }

  it('N steps straight == N/2 + pause + new process + resume to N', async () => {
    const straightDir = await everyEpochRun('straight');
    const straight = recordingHost();
    await straight.host.start(straightDir);
    const a = await straight.host.waitForSettled()!;
    expect(a.state).toBe('finished');
    expect(a.position?.globalStep).toBe(12);

    // Leak check: the live tensor count after epoch 3 equals the count after epoch 1.
    const epochs = straight.events.flatMap((e) => (e.type === 'epoch' ? [e] : []));
    expect(epochs.map((e) => e.metrics.epoch)).toEqual([1, 2, 3]);
    expect(epochs[2]!.numTensors).toBe(epochs[0]!.numTensors);

    const splitDir = await everyEpochRun('split');
    const first = recordingHost();
    await first.host.start(splitDir, { stopAfterSteps: 5 });
    const paused = await first.host.waitForSettled()!;
    expect(paused.state).toBe('paused');
    expect(paused.position).toMatchObject({ globalStep: 5, epoch: 1, stepInEpoch: 1 });
    expect(paused.position?.checkpoint).toMatchObject({
      kind: 'last',
      reason: 'pause',
      globalStep: 5,
    });
    expect((await readRunFile(splitDir)).state).toBe('paused');

    const second = recordingHost();
    await second.host.resume(splitDir);
    const resumed = await second.host.waitForSettled()!;
    expect(resumed.state).toBe('finished');
    const started = second.events.find((e) => e.type === 'state' && e.summary.state === 'running');
    expect(started).toBeDefined();

    const diff = maxWeightDiff(await lastWeights(straightDir), await lastWeights(splitDir));
    expect(diff).toBeLessThanOrEqual(1e-5);
    const lossesA = stepLosses(straightDir);
    const lossesB = stepLosses(splitDir);
    expect(lossesA.map((l) => l.step)).toEqual([...Array(12).keys()].map((i) => i + 1));
    expect(lossesB).toEqual(lossesA);

    // metrics.jsonl: one line per epoch, the same epochs in both runs.
    const metrics = (dir: string) =>
      readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as {
              epoch: number;
              globalStep: number;
              trainLoss: number;
              valLoss: number | null;
            },
        );
    expect(metrics(splitDir).map((m) => [m.epoch, m.globalStep])).toEqual([
      [1, 4],
      [2, 8],
      [3, 12],
    ]);
    expect(metrics(splitDir).map((m) => m.trainLoss)).toEqual(
      metrics(straightDir).map((m) => m.trainLoss),
    );
    // The val split's loss (same masked, weighted CE) at every epoch end, equal in both runs.
    for (const m of metrics(straightDir)) expect(m.valLoss).toBeGreaterThan(0);
    expect(metrics(splitDir).map((m) => m.valLoss)).toEqual(
      metrics(straightDir).map((m) => m.valLoss),
    );
    expect(existsSync(path.join(splitDir, 'checkpoints', 'best', 'manifest.json'))).toBe(true);
    const run = await readRunFile(splitDir);
    expect(run).toMatchObject({ state: 'finished', globalStep: 12, totalSteps: 12, epoch: 3 });
  });
});
