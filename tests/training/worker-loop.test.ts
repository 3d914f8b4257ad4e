import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedWorkerEvent, WorkerEvent } from '../../shared/worker/protocol';
import { WorkerEvent as WorkerEventSchema } from '../../shared/worker/protocol';
import { openEngineSession } from '../../main/training/engine-session';
import { readRunFile, updateRunFile } from '../../main/training/run-folder';
import { WorkerLoop } from '../../main/training/worker-loop';
import { createRun, TINY } from './helpers';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';

/**
 * The loop in-process, on the real engine, with a controllable clock: time-based checkpoints,
 * stop, and pause requested mid-run. (Process-level behaviour is covered by the other files.)
 */
describe('worker loop', () => {
  let dataset: string;
  let runs: string;

  beforeAll(() => {
    dataset = makeMiniCamvid({ train: 8, val: 2 });
    runs = tempDir('loop-runs').dir;
  });
  afterAll(() => {
    rmSync(dataset, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  });

  function loopWith(now: () => number, onEvent?: (e: ParsedWorkerEvent, loop: WorkerLoop) => void) {
    const events: ParsedWorkerEvent[] = [];
    const emit = (event: WorkerEvent): void => {
      // Every event the worker would send must satisfy the protocol.
      const parsed = WorkerEventSchema.parse(event);
      events.push(parsed);
      onEvent?.(parsed, loop);
    };
    const loop = new WorkerLoop({
      emit,
      openSession: openEngineSession(() => undefined),
      now,
    });
    return { loop, events };
  }

  it('checkpoints every checkpointEveryMinutes of wall time, and stop writes a final one', async () => {
    const runDir = await createRun(runs, 'timer', dataset, {
      width: 64,
      height: 64,
      batch: 2,
      epochs: 3,
      checkpointEveryMinutes: 1,
      valSplit: null,
    });
    // Each reading of the clock advances it 20 s: a timer checkpoint every few steps.
    let t = 0;
    const { loop, events } = loopWith(() => (t += 20_000));
    let steps = 0;
    const running = loop.run(runDir, { kind: 'start' }, null);
    // Stop once 6 steps are logged.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        steps = events.filter((e) => e.type === 'progress').length;
        const last = events.filter((e) => e.type === 'progress').at(-1);
        if (last && last.type === 'progress' && last.progress.globalStep >= 6) {
          loop.requestStop();
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    await running;
    expect(steps).toBeGreaterThan(0);
    const reasons = events.flatMap((e) => (e.type === 'checkpoint' ? [e.checkpoint.reason] : []));
    expect(reasons).toContain('timer');
    expect(reasons).toContain('epoch');
    const stopped = events.find((e) => e.type === 'stopped');
    expect(stopped).toBeDefined();
    if (stopped?.type !== 'stopped') return;
    expect(stopped.position.checkpoint?.globalStep).toBe(stopped.position.globalStep);
    // Without a val split, epochs end without metrics but still get a metrics line.
    const metrics = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(metrics[0]!)).toMatchObject({ epoch: 1, mIoU: null });
  });

  it('ends its progress on the step of the final checkpoint, even when the throttle skipped it', async () => {
    const runDir = await createRun(runs, 'settled', dataset, {
      ...TINY,
      epochs: 1,
      valSplit: null,
    });
    // A clock that never moves: after the first step, only epoch ends would pass the throttle.
    const { loop, events } = loopWith(() => 0);
    await loop.run(runDir, { kind: 'start' }, 3);
    const paused = events.at(-1);
    expect(paused).toMatchObject({ type: 'paused', position: { globalStep: 3 } });
    const progress = events.flatMap((e) => (e.type === 'progress' ? [e.progress] : []));
    const checkpoint = events
      .flatMap((e) => (e.type === 'checkpoint' ? [e.checkpoint] : []))
      .at(-1);
    expect(checkpoint?.globalStep).toBe(3);
    // What the header and the CLI bar show last is the checkpoint's step, not step 1.
    expect(progress.at(-1)).toMatchObject({ globalStep: 3, stepInEpoch: 3, epoch: 1 });
    expect(progress.map((p) => p.globalStep)).toEqual([1, 3]);
  });

  it('a start on a run that already has checkpoints is refused; a resume continues it', async () => {
    const runDir = await createRun(runs, 'twice', dataset, {
      width: 64,
      height: 64,
      batch: 2,
      epochs: 1,
    });
    const clock = () => 0;
    const first = loopWith(clock);
    await first.loop.run(runDir, { kind: 'start' }, 2);
    expect(first.events.at(-1)).toMatchObject({ type: 'paused', position: { globalStep: 2 } });

    const again = loopWith(clock);
    await again.loop.run(runDir, { kind: 'start' }, null);
    expect(again.events.at(-1)).toMatchObject({ type: 'error', fatal: true });

    const resumed = loopWith(clock);
    await resumed.loop.run(runDir, { kind: 'resume', from: 'last' }, null);
    expect(resumed.events.find((e) => e.type === 'started')).toMatchObject({
      globalStep: 2,
      resumedFrom: { kind: 'last', globalStep: 2, reason: 'pause' },
    });
    expect(resumed.events.at(-1)).toMatchObject({
      type: 'finished',
      position: { globalStep: 4, epoch: 1 },
    });

    // More epochs and a lower learning rate (as `segstudio resume --epochs 2 --lr ...` does).
    const run = await readRunFile(runDir);
    await updateRunFile(runDir, {
      config: { ...run.config, epochs: 2, optimizer: { ...run.config.optimizer, lr: 1e-4 } },
    });
    const extended = loopWith(clock);
    await extended.loop.run(runDir, { kind: 'resume', from: 'last' }, null);
    expect(extended.events.find((e) => e.type === 'started')).toMatchObject({
      globalStep: 4,
      totalSteps: 8,
    });
    const lrs = extended.events.flatMap((e) => (e.type === 'progress' ? [e.progress.lr] : []));
    expect(lrs.length).toBeGreaterThan(0);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1e-4);
    expect(extended.events.at(-1)).toMatchObject({ type: 'finished', position: { globalStep: 8 } });
  });

  it('a pause on an epoch-ending step skips validation, which runs first thing on resume', async () => {
    const request = { width: 64, height: 64, batch: 2, epochs: 2 };
    const metricsOf = (dir: string) =>
      readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { epoch: number; trainLoss: number; mIoU: number | null });

    const straightDir = await createRun(runs, 'epoch-straight', dataset, request);
    await loopWith(() => 0).loop.run(straightDir, { kind: 'start' }, 4);

    const runDir = await createRun(runs, 'epoch-pause', dataset, request);
    const first = loopWith(
      () => 0,
      (e, loop) => {
        // The forced progress of the epoch's last step, emitted before the epoch-end work.
        if (e.type === 'progress' && e.progress.stepInEpoch === e.progress.stepsPerEpoch) {
          loop.requestPause();
        }
      },
    );
    await first.loop.run(runDir, { kind: 'start' }, null);
    expect(first.events.at(-1)).toMatchObject({
      type: 'paused',
      position: { globalStep: 4, epoch: 1, stepInEpoch: 0, checkpoint: { reason: 'pause' } },
    });
    expect(first.events.some((e) => e.type === 'epoch')).toBe(false);
    expect(metricsOf(runDir)).toEqual([]);

    const second = loopWith(() => 0);
    await second.loop.run(runDir, { kind: 'resume', from: 'last' }, 4);
    const epoch = second.events.find((e) => e.type === 'epoch');
    expect(epoch).toMatchObject({ metrics: { epoch: 1, globalStep: 4, mIoU: expect.any(Number) } });
    expect(second.events.some((e) => e.type === 'checkpoint' && e.checkpoint.kind === 'best')).toBe(
      true,
    );
    const [straight] = metricsOf(straightDir);
    const [deferred] = metricsOf(runDir);
    expect(deferred?.trainLoss).toBe(straight?.trainLoss);
    expect(deferred?.mIoU).toBe(straight?.mIoU);
  });
  it('validationShare skips epoch-end validations that would exceed the share; the first and last validate', async () => {
    // 8 train samples, batch 2: 4 steps an epoch, 4 epochs. Each clock reading advances 1 s,
    // so a validation measures 1 s; at share 0.01 the next one is due after 99 s of training,
    // far more than the clock moves in two epochs.
    const validatedEpochs = async (name: string, share: number | null) => {
      const runDir = await createRun(runs, name, dataset, {
        width: 64,
        height: 64,
        batch: 2,
        epochs: 4,
      });
      const run = await readRunFile(runDir);
      await updateRunFile(runDir, { config: { ...run.config, validationShare: share } });
      let t = 0;
      const { loop, events } = loopWith(() => (t += 1000));
      await loop.run(runDir, { kind: 'start' }, null);
      const epochs = events.flatMap((e) => (e.type === 'epoch' ? [e.metrics] : []));
      expect(epochs.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
      return epochs.filter((m) => m.mIoU !== null).map((m) => m.epoch);
    };
    expect(await validatedEpochs('share-none', null)).toEqual([1, 2, 3, 4]);
    expect(await validatedEpochs('share-small', 0.01)).toEqual([1, 4]);
    expect(await validatedEpochs('share-all', 1)).toEqual([1, 2, 3, 4]);
  });
});
