/**
 * TrainingHost: the main-process side of training. It owns the worker process of one run at
 * a time, turns worker events into run states and host events, and restarts a worker that
 * died on its own (restart-policy.ts). The held run's state lives in host-run.ts.
 */
import type {
  CheckpointInfo,
  EpochMetrics,
  RunSummary,
  StepProgress,
  TrainingState,
} from '../../shared/contracts/training';
import type { CheckpointKind } from '../../shared/contracts/common';
import { isTerminalState, type RunMode, type SettleRequest } from '../../shared/training/state';
import { WorkerEvent, type ParsedWorkerEvent } from '../../shared/worker/protocol';
import type { WorkerPort, WorkerSpawner } from '../worker/port';
import {
  RunFileWriter,
  activeSummary,
  launchCommand,
  newActiveRun,
  type ActiveRun,
  type RunFilePatch,
  type RunOutcome,
} from './host-run';
import { DEFAULT_RESTART_POLICY, decideOnCrash, type RestartPolicy } from './restart-policy';
import { readRunFile } from './run-folder';

export type { RunOutcome } from './host-run';
export { DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy';

/** What the host reports to its owner (services -> contract events, CLI -> progress bar). */
export type HostEvent =
  | { type: 'state'; summary: RunSummary }
  | { type: 'progress'; progress: StepProgress }
  | { type: 'epoch'; metrics: EpochMetrics; numTensors: number }
  | { type: 'checkpoint'; checkpoint: CheckpointInfo }
  | { type: 'error'; runName: string | null; message: string }
  /** `warn`: the user should know, but the run goes on (the services send it as a warning). */
  | { type: 'log'; level: 'info' | 'warn'; runName: string | null; message: string };

export interface TrainingHostOptions {
  readonly spawn: WorkerSpawner;
  /** Absolute path of the bundled worker, or a function giving it when first needed. */
  readonly workerEntry: string | (() => string);
  readonly onEvent?: (event: HostEvent) => void;
  readonly restart?: RestartPolicy;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
}

/**
 * Owns the training worker process for one run at a time: start, pause, resume, stop, and an
 * automatic restart from the last checkpoint when the worker dies unexpectedly (bounded
 * retries). Same class behind the app's training service and the `segstudio train` CLI.
 *
 * The worker is alive only while a run is active: after paused/stopped/finished it is shut
 * down, so memory goes back to the user and every resume goes through the checkpoint.
 */
export class TrainingHost {
  private active: ActiveRun | null = null;
  private readonly restart: RestartPolicy;
  private readonly now: () => number;
  private readonly runFile = new RunFileWriter();

  constructor(private readonly options: TrainingHostOptions) {
    this.restart = options.restart ?? DEFAULT_RESTART_POLICY;
    this.now = options.now ?? Date.now;
  }

  /** Starts a fresh run; the run folder (run.json) must already exist (createRunFolder). */
  async start(runDir: string, opts: { stopAfterSteps?: number | null } = {}): Promise<RunSummary> {
    return this.launch(runDir, { kind: 'start' }, opts.stopAfterSteps ?? null);
  }

  /** Continues a run from a checkpoint in a new worker process. */
  async resume(
    runDir: string,
    opts: { from?: CheckpointKind; stopAfterSteps?: number | null } = {},
  ): Promise<RunSummary> {
    return this.launch(
      runDir,
      { kind: 'resume', from: opts.from ?? 'last' },
      opts.stopAfterSteps ?? null,
    );
  }

  /** Takes effect after the current step; the worker checkpoints, then exits. */
  pause(): RunSummary | null {
    return this.requestSettle('pause');
  }

  stop(): RunSummary | null {
    return this.requestSettle('stop');
  }

  /** Kills the worker without a checkpoint (second Ctrl-C); the last checkpoint stays valid. */
  kill(): void {
    const run = this.active;
    if (!run?.port) return;
    run.killed = true;
    run.port.kill('SIGKILL');
  }

  /** Resolves when the active run reaches paused/stopped/finished/crashed and its worker exited. */
  waitForSettled(): Promise<RunOutcome> | null {
    return this.active?.settled ?? null;
  }

  /** The run being trained right now (null once it paused/stopped/finished/crashed). */
  status(): { active: RunSummary | null; progress: StepProgress | null } {
    const run = this.active;
    if (!run || isTerminalState(run.state)) return { active: null, progress: null };
    return { active: this.summary(run), progress: run.progress };
  }

  /** Latest known summary of the run this host holds (also just after it settled). */
  heldRun(): { runDir: string; summary: RunSummary } | null {
    const run = this.active;
    return run ? { runDir: run.runDir, summary: this.summary(run) } : null;
  }

  /** Pid of the live worker (tests kill it to simulate crashes). */
  workerPid(): number | null {
    return this.active?.port?.pid ?? null;
  }

  /** Pauses (with checkpoint) whatever is running and waits for the worker to exit. */
  async dispose(): Promise<void> {
    const settled = this.waitForSettled();
    if (!settled) return;
    this.pause();
    await settled;
  }

  private async launch(
    runDir: string,
    mode: RunMode,
    stopAfterSteps: number | null,
  ): Promise<RunSummary> {
    // A run that just paused/finished may still be waiting for its worker to exit.
    if (this.active && isTerminalState(this.active.state)) await this.active.settled;
    if (this.active) {
      throw new TrainingHostError(
        `Run "${this.active.runName}" is ${this.active.state}; pause or stop it first`,
      );
    }
    const run = newActiveRun(runDir, await readRunFile(runDir), stopAfterSteps);
    this.active = run;
    await this.persist(run, { state: 'starting', message: null });
    this.spawnWorker(run, mode);
    this.emitState(run);
    return this.summary(run);
  }

  private spawnWorker(run: ActiveRun, mode: RunMode): void {
    const entry = this.options.workerEntry;
    let port: WorkerPort;
    try {
      port = this.options.spawn(typeof entry === 'string' ? entry : entry(), this.options.env);
    } catch (err) {
      // No process to wait for (e.g. the worker bundle is missing): the run ends here.
      run.state = 'crashed';
      run.message = `Cannot start the training process: ${(err as Error).message}`;
      this.emit({ type: 'error', runName: run.runName, message: run.message });
      void this.persist(run, { state: 'crashed', message: run.message }).then(() =>
        this.finishSession(run),
      );
      this.emitState(run);
      return;
    }
    run.port = port;
    port.onMessage((raw) => this.onWorkerMessage(run, port, raw, mode));
    port.onExit((code, signal) => this.onWorkerExit(run, port, code, signal));
  }

  private onWorkerMessage(run: ActiveRun, port: WorkerPort, raw: unknown, mode: RunMode): void {
    if (run.port !== port) return;
    const parsed = WorkerEvent.safeParse(raw);
    if (!parsed.success) {
      this.emit({
        type: 'log',
        level: 'warn',
        runName: run.runName,
        message: `Ignored malformed worker message`,
      });
      return;
    }
    this.handleEvent(run, port, parsed.data, mode);
  }

  private handleEvent(
    run: ActiveRun,
    port: WorkerPort,
    event: ParsedWorkerEvent,
    mode: RunMode,
  ): void {
    switch (event.type) {
      case 'ready': {
        port.send(launchCommand(run, mode));
        // A pause/stop pressed while the worker was booting is applied as soon as it runs.
        if (run.state === 'pausing') port.send({ type: 'pause' });
        if (run.state === 'stopping') port.send({ type: 'stop' });
        return;
      }
      case 'started': {
        if (event.fallbackMessage) {
          run.message = event.fallbackMessage;
          this.emit({
            type: 'log',
            level: 'warn',
            runName: run.runName,
            message: event.fallbackMessage,
          });
        }
        if (run.state === 'starting') run.state = 'running';
        void this.persist(run, {
          state: run.state,
          globalStep: event.globalStep,
          totalSteps: event.totalSteps,
          message: run.message,
        });
        this.emitState(run);
        return;
      }
      case 'progress':
        run.progress = event.progress;
        this.emit({ type: 'progress', progress: event.progress });
        return;
      case 'epoch': {
        const best = run.run.bestMIoU;
        const mIoU = event.metrics.mIoU;
        const bestMIoU = mIoU !== null && (best === null || mIoU > best) ? mIoU : best;
        void this.persist(run, {
          epoch: event.metrics.epoch,
          globalStep: event.metrics.globalStep,
          bestMIoU,
        });
        this.emit({ type: 'epoch', metrics: event.metrics, numTensors: event.numTensors });
        return;
      }
      case 'checkpoint':
        if (event.checkpoint.kind !== 'best') run.lastCheckpoint = event.checkpoint;
        void this.persist(run, {
          epoch: event.checkpoint.epoch,
          globalStep: event.checkpoint.globalStep,
        });
        this.emit({ type: 'checkpoint', checkpoint: event.checkpoint });
        return;
      case 'paused':
      case 'stopped':
      case 'finished': {
        const state: TrainingState = event.type;
        run.lastPosition = event.position;
        run.state = state;
        void this.persist(run, {
          state,
          epoch: event.position.epoch,
          globalStep: event.position.globalStep,
          totalSteps: event.position.totalSteps,
          message: run.message,
        });
        this.emitState(run);
        port.send({ type: 'shutdown' });
        return;
      }
      case 'error':
        this.emit({ type: 'error', runName: run.runName, message: event.message });
        if (event.fatal) {
          // Deterministic failures (missing dataset, bad config) do not heal by restarting.
          run.state = 'crashed';
          run.message = event.message;
          void this.persist(run, { state: 'crashed', message: event.message });
          this.emitState(run);
          port.send({ type: 'shutdown' });
        }
        return;
      case 'log':
        this.emit({
          type: 'log',
          level: event.level,
          runName: run.runName,
          message: event.message,
        });
        return;
      case 'pong':
      case 'result':
      case 'jobProgress':
        return;
    }
  }

  private onWorkerExit(
    run: ActiveRun,
    port: WorkerPort,
    code: number | null,
    signal: string | null,
  ): void {
    if (run.port !== port) return;
    run.port = null;
    if (isTerminalState(run.state)) {
      void this.finishSession(run);
      return;
    }
    const why = signal ? `signal ${signal}` : `exit code ${code}`;
    if (run.killed || run.state === 'pausing' || run.state === 'stopping') {
      // The user asked it to end: the last checkpoint is where it resumes from.
      run.state = run.state === 'stopping' ? 'stopped' : 'paused';
      run.message = `The training process ended (${why}) before its final checkpoint; the run resumes from the last checkpoint.`;
      void this.persist(run, { state: run.state, message: run.message }).then(() =>
        this.finishSession(run),
      );
      this.emitState(run);
      return;
    }
    this.handleCrash(run, why);
  }

  private handleCrash(run: ActiveRun, why: string): void {
    const decision = decideOnCrash(run.crashes, this.now(), why, this.restart);
    run.crashes = decision.crashes;
    run.message = decision.message;
    if (!decision.restart) {
      run.state = 'crashed';
      this.emit({ type: 'error', runName: run.runName, message: run.message });
      void this.persist(run, { state: 'crashed', message: run.message }).then(() =>
        this.finishSession(run),
      );
      this.emitState(run);
      return;
    }
    this.emit({ type: 'log', level: 'warn', runName: run.runName, message: run.message });
    run.state = 'starting';
    run.progress = null;
    this.emitState(run);
    // Always `resume`: it falls back past a checkpoint torn by the crash, and a run that died
    // before its first checkpoint simply starts again from step 0.
    this.spawnWorker(run, { kind: 'resume', from: 'last' });
  }

  private requestSettle(request: SettleRequest): RunSummary | null {
    const run = this.active;
    if (!run) return null;
    if (isTerminalState(run.state)) return this.summary(run);
    if (run.state === 'stopping' && request === 'pause') return this.summary(run);
    run.state = request === 'pause' ? 'pausing' : 'stopping';
    run.port?.send({ type: request });
    this.emitState(run);
    return this.summary(run);
  }

  private async finishSession(run: ActiveRun): Promise<void> {
    await this.runFile.idle();
    if (this.active === run) this.active = null;
    run.settle({
      state: run.state,
      runName: run.runName,
      position: run.lastPosition,
      message: run.message,
    });
  }

  /** run.json follows the run; a failed write is reported, never thrown. */
  private persist(run: ActiveRun, patch: RunFilePatch): Promise<void> {
    return this.runFile.persist(run, patch, (message) =>
      this.emit({ type: 'error', runName: run.runName, message }),
    );
  }

  private summary(run: ActiveRun): RunSummary {
    return activeSummary(run);
  }

  private emitState(run: ActiveRun): void {
    this.emit({ type: 'state', summary: this.summary(run) });
  }

  private emit(event: HostEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's bug must not take the training host down with it.
    }
  }
}

export class TrainingHostError extends Error {
  override name = 'TrainingHostError';
}
