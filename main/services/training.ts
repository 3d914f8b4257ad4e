/**
 * training.* for the open project: runs, their history and checkpoints from the run folders,
 * and one TrainingHost that trains one run at a time. Host events become contract events here:
 * a warning the host reports (the run goes on) is the contract's `warning`, never its `error`.
 */
import path from 'node:path';
import { RunName } from '../../shared/contracts/common';
import type { z } from 'zod';
import {
  EpochMetrics,
  type TrainRequest,
  trainingContract,
  type LastStepNumbers,
  type RunHistory,
  type RunSummary,
} from '../../shared/contracts/training';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { PRESET_NAMES } from '../../shared/training/presets';
import { presetOf } from '../engine/models/registry';
import { UserFacingError, type EventHub } from '../ipc/dispatcher';
import { builtEntry } from '../paths';
import { TrainingHost, TrainingHostError, type HostEvent } from '../training/host';
import { readCheckpointInfos } from '../training/checkpoint-info';
import { readJsonLines } from '../training/jsonl';
import { splitImageSize } from '../training/dataset-size';
import { configFromRequest, presetDefaults, runSettingsOf } from '../training/request';
import {
  RunFolderError,
  createRunFolder,
  isRunFolder,
  listRunFolders,
  readRunFile,
  runPaths,
  summarizeRun,
} from '../training/run-folder';
import { StepLossLine } from '../training/worker-loop';
import { forkNodeWorker, type WorkerSpawner } from '../worker/port';
import type { ServiceContext } from './context';
import type { OpenProject, ProjectSession } from './project-session';

export interface TrainingServiceDeps {
  readonly session: ProjectSession;
  readonly events: EventHub;
  readonly spawnWorker?: WorkerSpawner;
  /** Defaults to the bundled out/main/training-worker.cjs. */
  readonly workerEntry?: string;
}

export interface TrainingService {
  readonly handlers: ServiceHandlers<typeof trainingContract, ServiceContext>;
  /** The run folder of a run of the open project (validated name). */
  runDir(runName: string): string;
  /** Pauses (with checkpoint) any active run and waits for its worker to exit. */
  dispose(): Promise<void>;
}

/** Errors of the run-folder / host layers are the user's to fix: show them as they are. */
async function userFacing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RunFolderError || err instanceof TrainingHostError) {
      throw new UserFacingError(err.message, 'training');
    }
    throw err;
  }
}

function forward(events: EventHub, event: HostEvent): void {
  switch (event.type) {
    case 'state':
      events.emit(trainingContract, 'state', event.summary);
      return;
    case 'progress':
      events.emit(trainingContract, 'progress', event.progress);
      return;
    case 'epoch':
      events.emit(trainingContract, 'epoch', event.metrics);
      return;
    case 'checkpoint':
      events.emit(trainingContract, 'checkpoint', event.checkpoint);
      return;
    case 'error':
      events.emit(trainingContract, 'error', { runName: event.runName, message: event.message });
      return;
    case 'log':
      // Warnings (no val split, checkpoint fallback, crash restarts) matter to the user, but
      // the run goes on: they are warnings, not errors. Info lines are for the CLI only.
      if (event.level === 'warn') {
        events.emit(trainingContract, 'warning', {
          runName: event.runName,
          message: event.message,
        });
      }
      return;
  }
}

/**
 * training.* for the open project: runs live in `<projectDir>/runs/<runName>`, one run trains
 * at a time in a worker process owned by a TrainingHost. Opening another project pauses it.
 */
export function createTrainingService(deps: TrainingServiceDeps): TrainingService {
  const { session, events } = deps;
  const host = new TrainingHost({
    spawn: deps.spawnWorker ?? forkNodeWorker,
    workerEntry: deps.workerEntry ?? (() => builtEntry('training-worker')),
    onEvent: (event) => forward(events, event),
  });

  const runDirOf = (project: OpenProject, runName: string): string => {
    const parsed = RunName.safeParse(runName);
    if (!parsed.success) throw new UserFacingError(`Invalid run name "${runName}"`, 'invalid_run');
    return path.join(project.runsDir, parsed.data);
  };

  const existingRunDir = async (runName: string): Promise<string> => {
    const dir = runDirOf(session.require(), runName);
    if (!(await isRunFolder(dir))) {
      throw new UserFacingError(`No run named "${runName}" in this project`, 'no_run');
    }
    return dir;
  };

  const summaryOf = async (runDir: string): Promise<RunSummary> => {
    const held = host.heldRun();
    if (held && held.runDir === runDir) return held.summary;
    return summarizeRun(await readRunFile(runDir));
  };

  session.onChange(() => {
    // Training a run of a project that is no longer open would be invisible: pause it.
    host.pause();
  });

  /** Creates the run folder of a new run of the open project and starts it. */
  const startRun = async (
    request: z.output<typeof TrainRequest>,
    extra: { initFrom?: string; sourceRun?: string },
  ): Promise<RunSummary> => {
    const project = session.require();
    const runDir = runDirOf(project, request.runName);
    if (await isRunFolder(runDir)) {
      throw new UserFacingError(
        `A run named "${request.runName}" already exists: resume it or choose another name`,
        'run_exists',
      );
    }
    const busy = host.status().active;
    if (busy) {
      throw new UserFacingError(
        `Run "${busy.runName}" is ${busy.state}: pause or stop it before starting another`,
        'busy',
      );
    }
    const names = project.descriptor.splits.map((s) => s.name);
    if (!names.includes(request.trainSplit)) {
      throw new UserFacingError(
        `The dataset has no "${request.trainSplit}" split (splits: ${names.join(', ')})`,
        'no_split',
      );
    }
    const valSplit =
      request.valSplit !== null && names.includes(request.valSplit) ? request.valSplit : null;
    const parsed = { ...request, valSplit };
    await createRunFolder(runDir, {
      runName: request.runName,
      request: parsed,
      config: configFromRequest(parsed, splitImageSize(project.index, request.trainSplit)),
      dataset: {
        root: project.descriptor.root,
        descriptor: project.descriptor,
        labelsDir: project.labelsDir,
      },
      ...extra,
    });
    return host.start(runDir, { stopAfterSteps: request.stopAfterSteps ?? null });
  };

  const handlers: ServiceHandlers<typeof trainingContract, ServiceContext> = {
    presets: () => {
      const project = session.current();
      const imageSize = project ? splitImageSize(project.index, 'train') : null;
      return PRESET_NAMES.map((preset) => ({
        preset,
        description: presetOf(preset).description,
        defaults: presetDefaults(preset, imageSize),
        imageSize,
      }));
    },

    async runs() {
      const project = session.current();
      if (!project) return [];
      const runs = await listRunFolders(project.runsDir);
      return Promise.all(runs.map((run) => summaryOf(path.join(project.runsDir, run.runName))));
    },

    status: () => host.status(),

    start: (request) => userFacing(() => startRun(request, {})),

    fineTune: (input) =>
      userFacing(async () => {
        const sourceDir = await existingRunDir(input.sourceRun);
        const source = await readRunFile(sourceDir);
        const settings = { ...source.request };
        delete settings.stopAfterSteps;
        const request = {
          ...settings,
          runName: input.runName,
          epochs: input.epochs,
          lr: input.lr ?? source.config.optimizer.lr / 10,
          ...(input.stopAfterSteps !== undefined && { stopAfterSteps: input.stopAfterSteps }),
        };
        return startRun(request, { initFrom: sourceDir, sourceRun: source.runName });
      }),

    pause: () => host.pause(),

    resume: ({ runName, from }) =>
      userFacing(async () => host.resume(await existingRunDir(runName), { from })),

    stop: () => host.stop(),

    async history({ runName }): Promise<RunHistory> {
      const paths = runPaths(await existingRunDir(runName));
      const [steps, epochs] = await Promise.all([
        readJsonLines(paths.steps, StepLossLine),
        readJsonLines(paths.metrics, EpochMetrics),
      ]);
      return {
        runName,
        steps: steps.map(({ step, loss }) => ({ step, loss })),
        epochs,
        last: lastNumbersOf(steps),
      };
    },

    async settings({ runName }) {
      return runSettingsOf(await readRunFile(await existingRunDir(runName)));
    },

    async checkpoints({ runName }) {
      return readCheckpointInfos(await existingRunDir(runName), runName);
    },
  };

  return {
    handlers,
    runDir: (runName) => runDirOf(session.require(), runName),
    dispose: () => host.dispose(),
  };
}

/** The header's numbers from the step log: its last line, the loss smoothed as live progress does. */
function lastNumbersOf(lines: readonly StepLossLine[]): LastStepNumbers | null {
  const last = lines[lines.length - 1];
  if (!last) return null;
  const lossSmoothed = lines.reduce<number | null>(
    (s, l) => (s === null ? l.loss : 0.95 * s + 0.05 * l.loss),
    null,
  );
  return {
    step: last.step,
    loss: last.loss,
    lossSmoothed: lossSmoothed ?? last.loss,
    lr: last.lr ?? null,
    imgPerSec: last.imgPerSec ?? null,
  };
}
