import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RunName } from '../../../shared/contracts/common';
import { TrainRequest } from '../../../shared/contracts/training';
import type { RunMode } from '../../../shared/training/state';
import { builtEntry } from '../../paths';
import { TrainingHost, type HostEvent, type RunOutcome } from '../../training/host';
import {
  RunFolderError,
  createRunFolder,
  isRunFolder,
  readRunFile,
  runPaths,
  shownEpochs,
  type DatasetRef,
} from '../../training/run-folder';
import { forkNodeWorker } from '../../worker/port';
import type { ProgressBar } from '../progress';
import {
  CliError,
  numberOption,
  stringOption,
  type CliCommand,
  type CommandContext,
  type Output,
} from '../framework';
import { parseSize } from '../options';
import { reportInputSize, trainImageSize } from '../train-size';
import { parseDuration } from '../../../shared/training/time-budget';
import { onShutdownRequest } from '../shutdown';
import { readTrainConfigFile, resolveTrainConfig } from '../train-config';
import { initRunFolder, projectTrainTarget } from '../train-project';

/** A valid run name from the run folder's name (the CLI's RUN is a path). */
function runNameFor(runDir: string): string {
  const base = path
    .basename(runDir)
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  const parsed = RunName.safeParse(base.slice(0, 80));
  return parsed.success ? parsed.data : 'run';
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'Train a model on a dataset folder; Ctrl-C pauses with a checkpoint',
  notes: [
    'One of --dataset DIR or --project PROJECT is required, and --run.',
    '--init MODEL_DIR fine-tunes a model from `segstudio export`; --init RUN starts from its best checkpoint.',
    '--config FILE may be partial: each field it gives replaces that one field of what train uses without it; --dry-run shows the result.',
  ],
  options: {
    config: {
      type: 'string',
      value: 'FILE',
      description:
        "training config fields (JSON or YAML, or a run's run.json), each over what train uses without it; flags given too win",
      default: "the preset's defaults",
    },
    'dry-run': {
      type: 'boolean',
      description: 'print the full config the run would train with, then exit: nothing is made',
    },
    dataset: {
      type: 'string',
      value: 'DIR',
      description: 'dataset folder to train on (or --project)',
    },
    project: {
      type: 'string',
      value: 'PROJECT',
      description: "train on the project's current labels into PROJECT/runs/RUN",
    },
    run: {
      type: 'string',
      value: 'RUN',
      description: 'run folder to create (a name with --project)',
      default: 'required',
    },
    preset: {
      type: 'string',
      value: 'default|seed-alexnet-fcn',
      description: 'network preset',
      default: 'default',
    },
    train: { type: 'string', value: 'SPLIT', description: 'training split', default: 'train' },
    val: {
      type: 'string',
      value: 'SPLIT|none',
      description: 'validation split, or none',
      default: 'val',
    },
    size: {
      type: 'string',
      value: 'WxH',
      description: 'network input size (warned when it distorts the images by more than 10%)',
      default: "the images' aspect within the preset's pixel budget (480x360 for default)",
    },
    batch: {
      type: 'string',
      value: 'B',
      description: 'images per optimizer step',
      default: "the preset's",
    },
    epochs: { type: 'string', value: 'E', description: 'epochs to train', default: "the preset's" },
    lr: { type: 'string', value: 'X', description: 'learning rate', default: "the preset's" },
    seed: {
      type: 'string',
      value: 'S',
      description: 'random seed (weights, shuffling, augmentation)',
      default: "the preset's",
    },
    steps: {
      type: 'string',
      value: 'N',
      description: 'pause after N optimizer steps in total (resume continues)',
      default: 'run to the end',
    },
    'checkpoint-minutes': {
      type: 'string',
      value: 'M',
      description: 'also checkpoint every M minutes inside an epoch',
      default: "the app's",
    },
    'time-budget': {
      type: 'string',
      value: 'DURATION',
      description:
        'wall-clock budget (60m, 1h30m, 90s): the LR schedule ends at it, then the run validates and keeps best; pauses do not count',
      default: 'none (train for the epochs)',
    },
    init: {
      type: 'string',
      value: 'RUN|MODEL_DIR|MODEL.zip|SEED.pt',
      description:
        'start from: a run (its best checkpoint), an exported model folder/zip, or seed .pt weights',
      default: 'fresh weights',
    },
  },
  async run(ctx) {
    const { values, out } = ctx;
    const dataset = stringOption(values, 'dataset');
    const project = stringOption(values, 'project');
    const run = stringOption(values, 'run');
    if (!dataset && !project)
      throw new CliError('--dataset DIR or --project PROJECT is required', 2);
    if (dataset && project) throw new CliError('--dataset and --project contradict each other', 2);
    if (!run) throw new CliError('--run RUN (the run folder to create) is required', 2);
    let runDir = path.resolve(run);
    let datasetRef: DatasetRef;
    if (project) {
      ({ runDir, dataset: datasetRef } = await projectTrainTarget(project, run));
    } else {
      const datasetStat = await fs.stat(dataset!).catch(() => null);
      if (!datasetStat) throw new CliError(`--dataset ${dataset}: no such folder`);
      if (!datasetStat.isDirectory()) {
        throw new CliError(`--dataset ${dataset}: is a file; give the dataset's folder`);
      }
      datasetRef = { root: path.resolve(dataset!), descriptor: null };
    }
    if (await isRunFolder(runDir)) {
      throw new CliError(
        `${runDir} already holds a run: continue it with \`segstudio resume ${run}\``,
      );
    }
    const configFile = stringOption(values, 'config');
    const fileConfig = configFile === undefined ? null : await readTrainConfigFile(configFile);
    const val = stringOption(values, 'val');
    const parsed = TrainRequest.safeParse({
      runName: runNameFor(runDir),
      preset: stringOption(values, 'preset') ?? fileConfig?.overrides.preset ?? 'default',
      trainSplit: stringOption(values, 'train') ?? 'train',
      valSplit: val === 'none' ? null : (val ?? 'val'),
      ...parseSize(stringOption(values, 'size')),
      batch: numberOption(values, 'batch', { integer: true, min: 1 }),
      epochs: numberOption(values, 'epochs', { integer: true, min: 1 }),
      lr: numberOption(values, 'lr', { min: 0 }),
      seed: numberOption(values, 'seed', { integer: true, min: 0 }),
      checkpointEveryMinutes: numberOption(values, 'checkpoint-minutes', { min: 0 }),
      timeBudgetSeconds: timeBudgetOption(stringOption(values, 'time-budget')),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CliError(
        `invalid option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
        2,
      );
    }
    const request = parsed.data;
    const init = stringOption(values, 'init');
    const initRun = init === undefined ? null : await initRunFolder(init, project);
    const initStat = init === undefined || initRun ? null : await fs.stat(init).catch(() => null);
    if (init !== undefined && !initStat && !initRun)
      throw new CliError(`--init ${init}: no such run, file or folder`);
    // A folder or ZIP is an exported model (fine-tuning, any preset); a file is a seed .pt.
    const initIsExport = initStat?.isDirectory() === true || /\.zip$/i.test(init ?? '');
    if (init !== undefined && !initRun && !initIsExport && request.preset !== 'seed-alexnet-fcn') {
      throw new CliError('--init (seed .pt weights) needs --preset seed-alexnet-fcn', 2);
    }
    const imageSize = await trainImageSize(datasetRef, request.trainSplit);
    const config = resolveTrainConfig(request, imageSize, fileConfig);
    const sizeFrom =
      request.width !== undefined ? '--size' : fileConfig?.overrides.inputSize ? '--config' : null;
    reportInputSize(out, config.inputSize, imageSize, sizeFrom);
    if (values['dry-run'] === true) {
      out.result({ dryRun: true, run: runDir, runName: request.runName, config }, () =>
        JSON.stringify(config, null, 2),
      );
      return 0;
    }
    await createRunFolder(runDir, {
      initFrom: initRun ?? (init === undefined ? null : path.resolve(init)),
      ...(initRun && { sourceRun: path.basename(initRun) }),
      runName: request.runName,
      request,
      config,
      dataset: datasetRef,
    }).catch((err: unknown) => {
      throw err instanceof RunFolderError ? new CliError(err.message) : err;
    });
    out.info(`run folder ${runDir} (preset ${request.preset})`);
    const steps = numberOption(values, 'steps', { integer: true, min: 1 }) ?? null;
    const code = await driveRun(ctx, runDir, { kind: 'start' }, steps);
    if (code !== 0 && !(await hasCheckpoints(runDir))) {
      // Nothing was trained (bad dataset, missing split): do not leave a run that blocks a
      // corrected retry. The folder was created empty by this command, so it is ours to remove.
      await fs.rm(runDir, { recursive: true, force: true });
      out.info(`removed ${runDir}: nothing was trained`);
    }
    return code;
  },
};

/** `--time-budget 60m|1h30m|90s` in seconds. */
function timeBudgetOption(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const seconds = parseDuration(raw);
  if (seconds === null) {
    throw new CliError(`--time-budget must look like 60m, 1h30m or 90s, got "${raw}"`, 2);
  }
  return seconds;
}

async function hasCheckpoints(runDir: string): Promise<boolean> {
  try {
    return (await fs.readdir(runPaths(runDir).checkpoints)).length > 0;
  } catch {
    return false;
  }
}

/**
 * Runs (or resumes) a run in a worker process until it pauses, stops, finishes or crashes,
 * with a progress bar; SIGINT/SIGTERM/SIGHUP pause (checkpoint, exit 0), a second one kills
 * the worker.
 */
export async function driveRun(
  { out }: CommandContext,
  runDir: string,
  mode: RunMode,
  stopAfterSteps: number | null,
): Promise<number> {
  const view = new ProgressView(out, stopAfterSteps);
  const host = new TrainingHost({
    spawn: forkNodeWorker,
    workerEntry: builtEntry('training-worker'),
    onEvent: (event) => view.onEvent(event),
  });
  if (mode.kind === 'start') await host.start(runDir, { stopAfterSteps });
  else await host.resume(runDir, { from: mode.from, stopAfterSteps });

  let interrupts = 0;
  // Ctrl-C, SIGTERM, SIGHUP and an npx launcher going away all pause with a checkpoint.
  const stopListening = onShutdownRequest((reason) => {
    interrupts++;
    if (interrupts === 1) {
      view.note(`${reason}: pausing after the current step (Ctrl-C again to stop immediately)...`);
      host.pause();
    } else {
      view.note('stopping immediately; the run resumes from its last checkpoint');
      host.kill();
    }
  });
  try {
    const outcome = await host.waitForSettled()!;
    view.finish(outcome);
    await reportOutcome(out, runDir, outcome, view.printed);
    return outcome.state === 'crashed' ? 1 : 0;
  } finally {
    stopListening();
  }
}

async function reportOutcome(
  out: Output,
  runDir: string,
  outcome: RunOutcome,
  alreadyPrinted: ReadonlySet<string>,
): Promise<void> {
  const run = await readRunFile(runDir);
  const position = outcome.position;
  const checkpoint = position?.checkpoint ?? null;
  const result = {
    run: runDir,
    runName: run.runName,
    state: outcome.state,
    epoch: position?.epoch ?? run.epoch,
    epochs: shownEpochs(run),
    globalStep: position?.globalStep ?? run.globalStep,
    totalSteps: position?.totalSteps ?? run.totalSteps,
    loss: position?.loss ?? null,
    bestMIoU: run.bestMIoU,
    checkpoint: checkpoint
      ? {
          kind: checkpoint.kind,
          path: path.join(runPaths(runDir).checkpoints, checkpoint.kind),
          epoch: checkpoint.epoch,
          globalStep: checkpoint.globalStep,
          reason: checkpoint.reason,
        }
      : null,
    message: outcome.message,
  };
  out.result(result, () => {
    if (outcome.state === 'crashed' && result.globalStep === 0) {
      return `training failed: ${outcome.message ?? 'the worker ended before its first step'}`;
    }
    const lines = [
      `${outcome.state}: ${run.runName} at step ${result.globalStep}/${result.totalSteps} (epoch ${result.epoch}/${result.epochs})`,
    ];
    if (result.loss !== null) lines.push(`loss ${result.loss.toFixed(4)}`);
    if (result.checkpoint) lines.push(`checkpoint ${result.checkpoint.path}`);
    if (outcome.message && !alreadyPrinted.has(outcome.message)) lines.push(outcome.message);
    if (outcome.state === 'paused') lines.push(`continue with: segstudio resume ${runDir}`);
    return lines.join('\n');
  });
}

/** Progress bar over the steps this invocation will run, plus human notes on events. */
class ProgressView {
  private bar: ProgressBar | null = null;
  private readonly errors: string[] = [];
  readonly printed = new Set<string>();
  private firstStep = 0;

  constructor(
    private readonly out: Output,
    private readonly stopAfterSteps: number | null,
  ) {}

  note(line: string): void {
    this.out.info(line);
  }

  /** Steps this invocation runs, out of the run's (current) total. */
  private target(totalSteps: number): number {
    const last = Math.min(totalSteps, this.stopAfterSteps ?? totalSteps);
    return Math.max(0, last - this.firstStep);
  }

  onEvent(event: HostEvent): void {
    switch (event.type) {
      case 'state': {
        const s = event.summary;
        // The bar covers the steps this invocation runs, so its rate and ETA are honest.
        if (!this.bar && s.state === 'running' && s.totalSteps > 0) {
          this.firstStep = s.globalStep;
          this.bar = this.out.progress('train', this.target(s.totalSteps), 'step');
        }
        return;
      }
      case 'progress': {
        const p = event.progress;
        // A time budget re-plans its step count as the speed is measured: the bar follows,
        // and its ETA is the engine's (which knows the budget) rather than steps / rate.
        this.bar?.update(
          p.globalStep - this.firstStep,
          `epoch ${p.epoch}/${p.epochs} loss ${p.lossSmoothed.toFixed(4)} ${p.imgPerSec.toFixed(1)} img/s`,
          { total: this.target(p.totalSteps), etaSeconds: p.runEtaSeconds },
        );
        return;
      }
      case 'epoch': {
        const m = event.metrics;
        const valLoss = m.valLoss === null ? '' : ` val loss ${m.valLoss.toFixed(4)}`;
        const miou = m.mIoU === null ? '' : ` val mIoU ${(m.mIoU * 100).toFixed(1)}%`;
        this.out.info(
          `epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)}${valLoss}${miou} (${m.seconds.toFixed(1)}s)`,
        );
        return;
      }
      case 'error':
        // A fatal error also ends up as the outcome's message: printed once, at the end.
        this.errors.push(event.message);
        return;
      case 'log':
        if (event.level === 'warn') this.out.warn(event.message);
        else this.out.info(event.message);
        return;
      case 'checkpoint':
        return;
    }
  }

  finish(outcome: RunOutcome): void {
    for (const message of this.errors) {
      if (message === outcome.message || this.printed.has(message)) continue;
      this.out.warn(message);
      this.printed.add(message);
    }
    if (outcome.position) this.bar?.update(outcome.position.globalStep - this.firstStep);
    this.bar?.finish(outcome.state);
  }
}
