/**
 * Layout of a run folder (`<projectDir>/runs/<runName>`, or any directory given to the CLI):
 *
 *   run.json          RunFile below: request, full config, dataset reference, last known state.
 *                     Written only by the main process (TrainingHost), atomically.
 *   checkpoints/      owned by the engine's checkpoint store: last/, previous/, best/ (each
 *                     with a manifest of sizes + hashes; torn ones fall back to an older one).
 *   metrics.jsonl     one EpochMetrics JSON object per line, appended by the worker at each
 *                     epoch end. On resume, lines past the restored checkpoint are dropped.
 *   steps.jsonl       step losses for charts: one `{step, loss, n?, lr, imgPerSec}` line per
 *                     few optimizer steps (mean loss, last lr and speed over those steps; the
 *                     header of a settled run shows the last line), same truncation rule.
 *   eval/<split>.json cached EvalReport of the latest evaluation of that split.
 *
 * The checkpoints are the truth for resuming; run.json is the truth for listing runs.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DatasetDescriptor } from '../../shared/dataset/descriptor';
import { RunSummary, TrainingState, type TrainRequest } from '../../shared/contracts/training';
import { TrainRequest as TrainRequestSchema } from '../../shared/contracts/training';
import { TrainingConfig } from '../../shared/training/config';
import { isLiveState } from '../../shared/training/state';
import { writeJsonAtomic } from '../fs/atomic';

export const RUN_FILE = 'run.json';
export const CHECKPOINTS_DIR = 'checkpoints';
export const METRICS_FILE = 'metrics.jsonl';
export const STEPS_FILE = 'steps.jsonl';
export const EVAL_DIR = 'eval';

export const DatasetRef = z.object({
  /** Dataset folder as the user gave it (absolute). */
  root: z.string().min(1),
  /** Descriptor from the project (edited class names, format override); null = detect. */
  descriptor: DatasetDescriptor.nullable().default(null),
  /**
   * The project's `labels/` folder: when set, the worker reads every mask through the
   * project's edits (main/labels), so the run trains and evaluates on the current labels.
   */
  labelsDir: z.string().optional(),
});
export type DatasetRef = z.infer<typeof DatasetRef>;

export const RunFile = z.object({
  version: z.literal(1),
  runName: z.string().min(1),
  createdAt: z.number(),
  updatedAt: z.number(),
  request: TrainRequestSchema,
  config: TrainingConfig,
  dataset: DatasetRef,
  /** Seed PyTorch checkpoint (.pt) whose weights start a fresh run (seed-alexnet-fcn only). */
  initFrom: z.string().nullable().default(null),
  /** Set by a fine-tune: the run whose best checkpoint started this one (to compare them). */
  sourceRun: z.string().optional(),
  trainSplit: z.string(),
  valSplit: z.string().nullable(),
  state: TrainingState,
  epoch: z.number().int(),
  globalStep: z.number().int(),
  /** 0 until the worker has opened the dataset and knows the steps per epoch. */
  totalSteps: z.number().int(),
  bestMIoU: z.number().nullable(),
  message: z.string().nullable(),
});
export type RunFile = z.infer<typeof RunFile>;

export function runPaths(runDir: string) {
  return {
    runFile: path.join(runDir, RUN_FILE),
    checkpoints: path.join(runDir, CHECKPOINTS_DIR),
    metrics: path.join(runDir, METRICS_FILE),
    steps: path.join(runDir, STEPS_FILE),
    evalDir: path.join(runDir, EVAL_DIR),
    evalReport: (split: string) => path.join(runDir, EVAL_DIR, `${safeName(split)}.json`),
  };
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

export class RunFolderError extends Error {
  override name = 'RunFolderError';
}

export async function isRunFolder(runDir: string): Promise<boolean> {
  try {
    await fs.access(runPaths(runDir).runFile);
    return true;
  } catch {
    return false;
  }
}

export async function readRunFile(runDir: string): Promise<RunFile> {
  const file = runPaths(runDir).runFile;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new RunFolderError(`${runDir} is not a Seg Studio run folder (no ${RUN_FILE})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RunFolderError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = RunFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RunFolderError(
      `${file} is not a valid run file: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
    );
  }
  return parsed.data;
}

export async function writeRunFile(runDir: string, run: RunFile): Promise<void> {
  await writeJsonAtomic(runPaths(runDir).runFile, RunFile.parse(run));
}

/** Creates a new run folder; refuses to overwrite an existing run. */
export async function createRunFolder(
  runDir: string,
  init: {
    runName: string;
    request: TrainRequest;
    config: TrainingConfig;
    dataset: DatasetRef;
    initFrom?: string | null;
    sourceRun?: string;
  },
): Promise<RunFile> {
  if (await isRunFolder(runDir)) {
    throw new RunFolderError(`${runDir} already holds a run; resume it or choose another name`);
  }
  const existing = await fs.readdir(runDir).catch(() => []);
  if (existing.length > 0) {
    // Never mix a run into a folder of the user's own files.
    throw new RunFolderError(`${runDir} exists and is not empty; choose a new folder for the run`);
  }
  const request = TrainRequestSchema.parse(init.request);
  const now = Date.now();
  const run: RunFile = {
    version: 1,
    runName: init.runName,
    createdAt: now,
    updatedAt: now,
    request,
    config: init.config,
    dataset: init.dataset,
    initFrom: init.initFrom ?? null,
    ...(init.sourceRun !== undefined && { sourceRun: init.sourceRun }),
    trainSplit: request.trainSplit,
    valSplit: request.valSplit,
    state: 'idle',
    epoch: 0,
    globalStep: 0,
    totalSteps: 0,
    bestMIoU: null,
    message: null,
  };
  await fs.mkdir(runDir, { recursive: true });
  await writeRunFile(runDir, run);
  return run;
}

/** Read-modify-write of run.json (main process only, so no concurrent writers). */
export async function updateRunFile(
  runDir: string,
  patch: Partial<Omit<RunFile, 'version' | 'runName' | 'createdAt'>>,
): Promise<RunFile> {
  const current = await readRunFile(runDir);
  const next: RunFile = { ...current, ...patch, updatedAt: Date.now() };
  await writeRunFile(runDir, next);
  return next;
}

/**
 * How a run found on disk (e.g. after an app restart) is presented: resumable, not running.
 * Live states only make sense while a worker is alive; on disk without one they mean paused.
 */
export function settledState(run: RunFile): TrainingState {
  if (!isLiveState(run.state)) return run.state;
  return run.globalStep > 0 ? 'paused' : 'idle';
}

/**
 * Epochs to show for a run: its configured epochs, or for a run with a time budget (whose
 * epochs are only a bound) the epochs done once finished, else one more than done so far.
 */
export function shownEpochs(run: RunFile): number {
  if (!run.config.timeBudgetSeconds) return run.config.epochs;
  return run.state === 'finished' ? Math.max(1, run.epoch) : run.epoch + 1;
}

export function summarizeRun(run: RunFile, live?: { state: TrainingState }): RunSummary {
  return RunSummary.parse({
    runName: run.runName,
    preset: run.config.preset,
    state: live?.state ?? settledState(run),
    epoch: run.epoch,
    epochs: shownEpochs(run),
    globalStep: run.globalStep,
    totalSteps: run.totalSteps,
    bestMIoU: run.bestMIoU,
    updatedAt: run.updatedAt,
    message: run.message,
    sourceRun: run.sourceRun ?? null,
  });
}

/** Every run folder directly under `runsDir`, newest first; unreadable ones are skipped. */
export async function listRunFolders(runsDir: string): Promise<RunFile[]> {
  let names: string[];
  try {
    names = await fs.readdir(runsDir);
  } catch {
    return [];
  }
  const runs: RunFile[] = [];
  for (const name of names) {
    try {
      runs.push(await readRunFile(path.join(runsDir, name)));
    } catch {
      // Not a run (or a damaged run.json): not listed rather than breaking the whole list.
    }
  }
  return runs.sort((a, b) => b.updatedAt - a.updatedAt);
}
