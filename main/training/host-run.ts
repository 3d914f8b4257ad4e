/**
 * The run a TrainingHost holds: its in-memory state between worker events, the summary the
 * UI and CLI see, and the serialised writes that keep its run.json current.
 */
import type {
  CheckpointInfo,
  RunSummary,
  StepProgress,
  TrainingState,
} from '../../shared/contracts/training';
import type { RunMode } from '../../shared/training/state';
import type { RunPosition, WorkerCommand } from '../../shared/worker/protocol';
import type { WorkerPort } from '../worker/port';
import { summarizeRun, updateRunFile, type RunFile } from './run-folder';

/** The fields of run.json the host keeps current. */
export type RunFilePatch = Parameters<typeof updateRunFile>[1];

/** How a run session ended, as seen by whoever waits on it (the CLI). */
export interface RunOutcome {
  readonly state: TrainingState;
  readonly runName: string;
  readonly position: RunPosition | null;
  readonly message: string | null;
}

export interface ActiveRun {
  readonly runDir: string;
  readonly runName: string;
  readonly stopAfterSteps: number | null;
  state: TrainingState;
  /** run.json as last written (or about to be: patches apply here first). */
  run: RunFile;
  /** The live worker; null between a crash and its restart, and once the run settled. */
  port: WorkerPort | null;
  lastCheckpoint: CheckpointInfo | null;
  lastPosition: RunPosition | null;
  progress: StepProgress | null;
  /** Times of recent worker crashes (see restart-policy.ts). */
  crashes: number[];
  message: string | null;
  /** The user asked for a hard stop (second Ctrl-C): do not restart on exit. */
  killed: boolean;
  /** Resolves `settled`; called once, after the worker exited and run.json is written. */
  settle: (outcome: RunOutcome) => void;
  readonly settled: Promise<RunOutcome>;
}

/** A run about to be launched: `starting`, no worker yet. */
export function newActiveRun(
  runDir: string,
  runFile: RunFile,
  stopAfterSteps: number | null,
): ActiveRun {
  let settle!: (outcome: RunOutcome) => void;
  const settled = new Promise<RunOutcome>((resolve) => (settle = resolve));
  return {
    runDir,
    runName: runFile.runName,
    stopAfterSteps,
    state: 'starting',
    run: runFile,
    port: null,
    lastCheckpoint: null,
    lastPosition: null,
    progress: null,
    crashes: [],
    message: null,
    killed: false,
    settle,
    settled,
  };
}

/** run.json's view, brought up to date with live progress and the host's own state. */
export function activeSummary(run: ActiveRun): RunSummary {
  const base = summarizeRun(run.run, { state: run.state });
  const p = run.progress;
  return {
    ...base,
    globalStep: p ? Math.max(p.globalStep, base.globalStep) : base.globalStep,
    totalSteps: p ? p.totalSteps : base.totalSteps,
    message: run.message,
  };
}

/** The command that makes a ready worker train this run in `mode`. */
export function launchCommand(run: ActiveRun, mode: RunMode): WorkerCommand {
  const { runDir, stopAfterSteps } = run;
  return mode.kind === 'start'
    ? { type: 'start', runDir, stopAfterSteps }
    : { type: 'resume', runDir, from: mode.from, stopAfterSteps };
}

/**
 * Serialised read-modify-write of run.json for every run of one host (main process only, so no
 * other writer): a write never overtakes an earlier one, and `idle` waits for all of them.
 */
export class RunFileWriter {
  private writes: Promise<unknown> = Promise.resolve();

  /** Applies `patch` in memory right away, then on disk; a failed write goes to `onError`. */
  persist(run: ActiveRun, patch: RunFilePatch, onError: (message: string) => void): Promise<void> {
    // In memory first, so summaries emitted before the write lands are current.
    run.run = { ...run.run, ...patch };
    const write = this.writes.then(async () => {
      try {
        run.run = await updateRunFile(run.runDir, patch);
      } catch (err) {
        onError(`Could not update ${run.runDir}/run.json: ${(err as Error).message}`);
      }
    });
    this.writes = write;
    return write;
  }

  /** Resolves once every write started so far has landed (or failed). */
  idle(): Promise<unknown> {
    return this.writes;
  }
}
