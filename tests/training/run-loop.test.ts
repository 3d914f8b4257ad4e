/**
 * The run loop's decisions (when to step, validate, checkpoint, pause, stop, finish, give up)
 * against a fake session implementing TrainingSession: no tfjs, milliseconds per test. The
 * loop's own files (metrics.jsonl, steps.jsonl) are real, in a temp run folder. The same loop
 * on the real engine is covered by worker-loop.test.ts and the process-level tests.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckpointInfo, EpochMetrics } from '../../shared/contracts/training';
import type { RunMode } from '../../shared/training/state';
import {
  WorkerEvent as WorkerEventSchema,
  type ParsedWorkerEvent,
  type WorkerEvent,
} from '../../shared/worker/protocol';
import type {
  CheckpointRequest,
  OpenSession,
  RunPositionNow,
  StepOutcome,
  TrainingSession,
  ValidationOutcome,
} from '../../main/training/session';
import { WorkerLoop, type StepLossLine } from '../../main/training/worker-loop';

interface Shape {
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  readonly hasValidation?: boolean;
  readonly checkpointEveryMinutes?: number;
}

interface StoredCheckpoint {
  readonly position: RunPositionNow;
  readonly history: readonly EpochMetrics[];
  readonly info: CheckpointInfo;
}

/** The fake's stand-in for the checkpoint folder: survives sessions, like the disk does. */
class FakeRunStore {
  last: StoredCheckpoint | null = null;
  bestMIoU: number | null = null;
  readonly sessions: FakeSession[] = [];
}

const lossAt = (globalStep: number): number => 1 / globalStep;
/** Val mIoU after each epoch: improves, then gets worse (so `best` stops moving). */
const mIoUAfter = (epoch: number): number => [0, 0.3, 0.5, 0.4, 0.45][epoch] ?? 0.1;

class FakeSession implements TrainingSession {
  readonly runName = 'fake';
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly hasValidation: boolean;
  readonly checkpointEveryMinutes: number;
  /** Every call the loop made, in order: `step`, `validate`, `checkpoint:<reason>`, `dispose`. */
  readonly calls: string[] = [];
  /** Step (1-based, in total) whose loss is not finite: `step` rejects there. */
  nonFiniteAt: number | null = null;
  /** Runs inside each step, as if the user pressed something while it computed. */
  duringStep: (globalStep: number) => void = () => undefined;
  private pos: RunPositionNow;
  private history: EpochMetrics[];

  constructor(
    private readonly store: FakeRunStore,
    shape: Shape,
    private readonly clock: FakeClock,
    from: StoredCheckpoint | null,
  ) {
    this.epochs = shape.epochs;
    this.stepsPerEpoch = shape.stepsPerEpoch;
    this.totalSteps = shape.epochs * shape.stepsPerEpoch;
    this.hasValidation = shape.hasValidation ?? true;
    this.checkpointEveryMinutes = shape.checkpointEveryMinutes ?? 60;
    this.pos = from?.position ?? { epoch: 0, stepInEpoch: 0, globalStep: 0 };
    this.history = [...(from?.history ?? [])];
  }

  position(): RunPositionNow {
    return { ...this.pos };
  }

  step(): Promise<StepOutcome> {
    this.calls.push('step');
    const next = this.pos.globalStep + 1;
    this.duringStep(next);
    this.clock.advance(this.clock.stepMs);
    if (next === this.nonFiniteAt) {
      return Promise.reject(new Error(`The loss became NaN at step ${next}; nothing was applied`));
    }
    const epochEnded = this.pos.stepInEpoch + 1 === this.stepsPerEpoch;
    this.pos = epochEnded
      ? { epoch: this.pos.epoch + 1, stepInEpoch: 0, globalStep: next }
      : { ...this.pos, stepInEpoch: this.pos.stepInEpoch + 1, globalStep: next };
    return Promise.resolve({ loss: lossAt(next), lr: 0.01, images: 2, epochEnded });
  }

  validate(): Promise<ValidationOutcome | null> {
    this.calls.push('validate');
    const mIoU = mIoUAfter(this.pos.epoch);
    return Promise.resolve({ valLoss: 1 - mIoU, mIoU, pixelAccuracy: 0.9, meanClassAccuracy: 0.6 });
  }

  saveCheckpoint(request: CheckpointRequest): Promise<CheckpointInfo[]> {
    this.calls.push(`checkpoint:${request.reason}`);
    if (request.epochMetrics) this.history.push(request.epochMetrics);
    const info = (kind: 'last' | 'best'): CheckpointInfo => ({
      runName: this.runName,
      kind,
      ...this.pos,
      mIoU: request.mIoU,
      savedAt: this.clock.now(),
      reason: request.reason,
    });
    this.store.last = { position: this.position(), history: [...this.history], info: info('last') };
    const written = [info('last')];
    const best = this.store.bestMIoU;
    if (request.mIoU !== null && (best === null || request.mIoU > best)) {
      this.store.bestMIoU = request.mIoU;
      written.push(info('best'));
    }
    return Promise.resolve(written);
  }

  numTensors(): number {
    return 42;
  }

  dispose(): void {
    this.calls.push('dispose');
  }
}

class FakeClock {
  private t = 0;
  /** Fake milliseconds each optimizer step takes. */
  stepMs = 0;
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** One run folder with its fake checkpoint store; each `run` is one worker session on it. */
function fakeRun(shape: Shape) {
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-run-loop-'));
  dirs.push(runDir);
  const store = new FakeRunStore();
  const clock = new FakeClock();
  const openSession: OpenSession = (_dir, mode) => {
    if (mode.kind === 'start' && store.last) {
      return Promise.reject(new Error('This run already has checkpoints: resume it instead'));
    }
    const from = mode.kind === 'resume' ? store.last : null;
    const session = new FakeSession(store, shape, clock, from);
    store.sessions.push(session);
    return Promise.resolve({
      session,
      resumedFrom: from?.info ?? null,
      history: from?.history ?? [],
      fallbackMessage: null,
    });
  };

  async function run(
    mode: RunMode,
    stopAfterSteps: number | null = null,
    setup: (session: FakeSession, loop: WorkerLoop) => void = () => undefined,
  ) {
    const events: ParsedWorkerEvent[] = [];
    // Every event the loop emits must satisfy the worker protocol.
    const emit = (event: WorkerEvent): void => void events.push(WorkerEventSchema.parse(event));
    const loop = new WorkerLoop({
      emit,
      openSession: async (dir, m) => {
        const opened = await openSession(dir, m);
        setup(opened.session as FakeSession, loop);
        return opened;
      },
      now: clock.now,
    });
    await loop.run(runDir, mode, stopAfterSteps);
    const session = store.sessions.at(-1)!;
    return { events, loop, session, calls: session.calls };
  }

  const lines = (file: string): unknown[] => {
    try {
      return readFileSync(path.join(runDir, file), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown);
    } catch {
      return [];
    }
  };
  return {
    store,
    clock,
    run,
    metrics: () => lines('metrics.jsonl') as EpochMetrics[],
    /** The loss lines (lr and speed, which follow the wall clock, are checked on their own). */
    steps: () =>
      (lines('steps.jsonl') as StepLossLine[]).map(({ imgPerSec: _i, lr: _l, ...loss }) => loss),
    stepNumbers: () => lines('steps.jsonl') as StepLossLine[],
  };
}

const ofType = <T extends ParsedWorkerEvent['type']>(events: ParsedWorkerEvent[], type: T) =>
  events.filter((e): e is Extract<ParsedWorkerEvent, { type: T }> => e.type === type);

const stepsOf = (calls: readonly string[]): number => calls.filter((c) => c === 'step').length;
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('run loop against a fake session', () => {
  it('trains to the end: validation and a checkpoint at each epoch end, metrics, no extra final checkpoint', async () => {
    const r = fakeRun({ epochs: 2, stepsPerEpoch: 3 });
    const { events, calls } = await r.run({ kind: 'start' });
    expect(calls).toEqual([
      ...['step', 'step', 'step', 'validate', 'checkpoint:epoch'],
      ...['step', 'step', 'step', 'validate', 'checkpoint:epoch'],
      'dispose',
    ]);
    expect(events[0]).toMatchObject({ type: 'started', globalStep: 0, totalSteps: 6 });
    const epochs = ofType(events, 'epoch');
    expect(epochs.map((e) => e.metrics)).toMatchObject([
      { epoch: 1, globalStep: 3, trainLoss: mean([1, 1 / 2, 1 / 3]), mIoU: 0.3, valLoss: 0.7 },
      { epoch: 2, globalStep: 6, trainLoss: mean([1 / 4, 1 / 5, 1 / 6]), mIoU: 0.5 },
    ]);
    expect(epochs.every((e) => e.numTensors === 42)).toBe(true);
    expect(
      ofType(events, 'checkpoint').map((e) => `${e.checkpoint.kind}@${e.checkpoint.globalStep}`),
    ).toEqual(['last@3', 'best@3', 'last@6', 'best@6']);
    expect(events.at(-1)).toMatchObject({
      type: 'finished',
      position: { globalStep: 6, epoch: 2, totalSteps: 6, loss: 1 / 6, numTensors: 42 },
    });
    // Files: one metrics line per epoch, one loss line per step.
    expect(r.metrics().map((m) => m.epoch)).toEqual([1, 2]);
    expect(r.steps()).toEqual([1, 2, 3, 4, 5, 6].map((step) => ({ step, loss: lossAt(step) })));
    // Each line keeps its step's learning rate: a reopened run's header shows it.
    expect(r.stepNumbers().map((line) => line.lr)).toEqual([0.01, 0.01, 0.01, 0.01, 0.01, 0.01]);
  });

  it('pauses once the run has stopAfterSteps steps, with a pause checkpoint at that step', async () => {
    const r = fakeRun({ epochs: 2, stepsPerEpoch: 3 });
    const { events, calls } = await r.run({ kind: 'start' }, 4);
    expect(stepsOf(calls)).toBe(4);
    expect(calls.slice(-2)).toEqual(['checkpoint:pause', 'dispose']);
    expect(events.at(-1)).toMatchObject({
      type: 'paused',
      position: {
        globalStep: 4,
        epoch: 1,
        stepInEpoch: 1,
        checkpoint: { kind: 'last', reason: 'pause', globalStep: 4 },
      },
    });
    expect(r.steps().map((s) => s.step)).toEqual([1, 2, 3, 4]);
  });

  it('a pause or stop pressed during a step takes effect right after it; stop wins over pause', async () => {
    const paused = await fakeRun({ epochs: 3, stepsPerEpoch: 4 }).run(
      { kind: 'start' },
      null,
      (session, loop) => (session.duringStep = (n) => n === 2 && loop.requestPause()),
    );
    expect(stepsOf(paused.calls)).toBe(2);
    expect(paused.events.at(-1)).toMatchObject({ type: 'paused', position: { globalStep: 2 } });

    const stopped = await fakeRun({ epochs: 3, stepsPerEpoch: 4 }).run(
      { kind: 'start' },
      null,
      (session, loop) =>
        (session.duringStep = (n) => {
          if (n !== 6) return;
          loop.requestStop();
          loop.requestPause();
        }),
    );
    expect(stepsOf(stopped.calls)).toBe(6);
    expect(stopped.calls.slice(-2)).toEqual(['checkpoint:stop', 'dispose']);
    expect(stopped.events.at(-1)).toMatchObject({
      type: 'stopped',
      position: { globalStep: 6, checkpoint: { reason: 'stop', globalStep: 6 } },
    });
  });

  it('a pause on an epoch-ending step defers validation to the resume, with the same epoch metrics', async () => {
    const straight = fakeRun({ epochs: 2, stepsPerEpoch: 3 });
    await straight.run({ kind: 'start' });

    const r = fakeRun({ epochs: 2, stepsPerEpoch: 3 });
    const first = await r.run(
      { kind: 'start' },
      null,
      (session, loop) => (session.duringStep = (n) => n === 3 && loop.requestPause()),
    );
    expect(first.calls).toEqual(['step', 'step', 'step', 'checkpoint:pause', 'dispose']);
    expect(ofType(first.events, 'epoch')).toEqual([]);
    expect(first.events.at(-1)).toMatchObject({
      type: 'paused',
      position: { globalStep: 3, epoch: 1, stepInEpoch: 0 },
    });

    const second = await r.run({ kind: 'resume', from: 'last' });
    // Validation of epoch 1 first, before any step of epoch 2.
    expect(second.calls.slice(0, 3)).toEqual(['validate', 'checkpoint:epoch', 'step']);
    expect(second.events[0]).toMatchObject({
      type: 'started',
      globalStep: 3,
      resumedFrom: { reason: 'pause' },
    });
    const strip = (m: EpochMetrics) => ({ ...m, seconds: 0, at: 0 });
    expect(r.metrics().map(strip)).toEqual(straight.metrics().map(strip));
    expect(r.steps()).toEqual(straight.steps());
  });

  it('without a val split epochs end without validation, and a pause there is not deferred', async () => {
    const r = fakeRun({ epochs: 2, stepsPerEpoch: 2, hasValidation: false });
    const { calls, events } = await r.run(
      { kind: 'start' },
      null,
      (session, loop) => (session.duringStep = (n) => n === 2 && loop.requestPause()),
    );
    // The epoch-end checkpoint already holds step 2: the pause writes no second one.
    expect(calls).toEqual(['step', 'step', 'checkpoint:epoch', 'dispose']);
    expect(ofType(events, 'epoch').map((e) => e.metrics)).toMatchObject([
      { epoch: 1, mIoU: null, valLoss: null, pixelAccuracy: null, trainLoss: mean([1, 1 / 2]) },
    ]);
    expect(ofType(events, 'checkpoint').map((e) => e.checkpoint.kind)).toEqual(['last']);
    expect(events.at(-1)).toMatchObject({
      type: 'paused',
      position: { globalStep: 2, checkpoint: { reason: 'epoch', globalStep: 2 } },
    });
  });

  it('best moves only when validation mIoU improves', async () => {
    const r = fakeRun({ epochs: 4, stepsPerEpoch: 1 });
    const { events } = await r.run({ kind: 'start' });
    const best = ofType(events, 'checkpoint').filter((e) => e.checkpoint.kind === 'best');
    // mIoU after epochs 1..4: 0.3, 0.5, 0.4, 0.45.
    expect(best.map((e) => e.checkpoint.epoch)).toEqual([1, 2]);
    expect(r.store.bestMIoU).toBe(0.5);
  });

  it('writes a timer checkpoint every checkpointEveryMinutes of wall time, the clock restarting at each checkpoint', async () => {
    const r = fakeRun({ epochs: 1, stepsPerEpoch: 10, checkpointEveryMinutes: 1 });
    r.clock.stepMs = 25_000;
    const { calls } = await r.run({ kind: 'start' });
    // 25 s a step: 75 s after steps 3, 6 and 9; step 10 ends the epoch (its own checkpoint).
    expect(calls.filter((c) => c.startsWith('checkpoint:'))).toEqual([
      'checkpoint:timer',
      'checkpoint:timer',
      'checkpoint:timer',
      'checkpoint:epoch',
    ]);
    expect(calls.indexOf('checkpoint:timer')).toBe(3);
    // Steps are on disk before each checkpoint that covers them.
    expect(r.steps().map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('a non-finite loss ends the session with a fatal error and no checkpoint; the last one stays', async () => {
    const r = fakeRun({ epochs: 2, stepsPerEpoch: 3 });
    const { events, calls, loop } = await r.run({ kind: 'start' }, null, (session) => {
      session.nonFiniteAt = 5;
    });
    expect(calls).toEqual([
      ...['step', 'step', 'step', 'validate', 'checkpoint:epoch'],
      ...['step', 'step', 'dispose'],
    ]);
    expect(events.at(-1)).toEqual({
      type: 'error',
      message: 'The loss became NaN at step 5; nothing was applied',
      fatal: true,
      runName: 'fake',
    });
    expect(ofType(events, 'paused')).toEqual([]);
    expect(loop.isRunning).toBe(false);
    expect(r.store.last?.position.globalStep).toBe(3);
    // A resume continues from that checkpoint (the fake has no NaN this time).
    const resumed = await r.run({ kind: 'resume', from: 'last' });
    expect(resumed.events[0]).toMatchObject({ type: 'started', globalStep: 3 });
    expect(resumed.events.at(-1)).toMatchObject({ type: 'finished', position: { globalStep: 6 } });
    expect(r.steps().map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a resume mid-epoch reports the whole epoch mean train loss, as an uninterrupted run does', async () => {
    const straight = fakeRun({ epochs: 1, stepsPerEpoch: 4 });
    await straight.run({ kind: 'start' });
    const r = fakeRun({ epochs: 1, stepsPerEpoch: 4 });
    await r.run({ kind: 'start' }, 2);
    const resumed = await r.run({ kind: 'resume', from: 'last' });
    expect(stepsOf(resumed.calls)).toBe(2);
    expect(ofType(resumed.events, 'epoch')[0]?.metrics.trainLoss).toBe(
      straight.metrics()[0]?.trainLoss,
    );
    expect(r.steps()).toEqual(straight.steps());
  });

  it('progress is throttled, except the first step and every epoch-ending step', async () => {
    const r = fakeRun({ epochs: 2, stepsPerEpoch: 3 });
    // The clock never moves: only forced progress events get through.
    const { events } = await r.run({ kind: 'start' });
    const progress = ofType(events, 'progress').map((e) => e.progress);
    expect(progress.map((p) => p.globalStep)).toEqual([1, 3, 6]);
    // An epoch-ending step shows the finished epoch complete, not "step 0 of the next".
    expect(progress[1]).toMatchObject({ epoch: 1, stepInEpoch: 3, stepsPerEpoch: 3, epochs: 2 });
    expect(progress[0]).toMatchObject({ epoch: 1, stepInEpoch: 1, loss: 1, lossSmoothed: 1 });
  });

  it('reports an ETA from the measured speed', async () => {
    const r = fakeRun({ epochs: 1, stepsPerEpoch: 8 });
    r.clock.stepMs = 500;
    const { events } = await r.run({ kind: 'start' });
    const last = ofType(events, 'progress').at(-2)!.progress;
    expect(last.imgPerSec).toBeCloseTo(4, 6); // 2 images every 0.5 s
    expect(last.runEtaSeconds).toBeCloseTo((8 - last.globalStep) * 0.5, 6);
  });

  it('refuses a second run in the same worker, and reports a session that cannot open as fatal', async () => {
    const r = fakeRun({ epochs: 1, stepsPerEpoch: 3 });
    let inner: Promise<unknown> | null = null;
    const outer = await r.run({ kind: 'start' }, null, (session, loop) => {
      session.duringStep = (n) => {
        if (n === 1) inner = loop.run('/elsewhere', { kind: 'start' }, null);
      };
    });
    await inner;
    expect(outer.events).toContainEqual({
      type: 'error',
      message: 'A run is already active in this worker',
      fatal: false,
      runName: null,
    });
    expect(outer.events.at(-1)).toMatchObject({ type: 'finished' });

    // The run now has checkpoints: a fresh start of it is refused before any session exists.
    const again = await r.run({ kind: 'start' });
    expect(again.events).toEqual([
      {
        type: 'error',
        message: 'This run already has checkpoints: resume it instead',
        fatal: true,
        runName: null,
      },
    ]);
  });
});
