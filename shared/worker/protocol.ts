/**
 * Main <-> training worker protocol. Plain JSON data only (it crosses child_process IPC and
 * Electron's utilityProcess port alike). The run folder is the source of truth: `start` and
 * `resume` name a run folder whose run.json (written by the host) holds config and dataset.
 */
import { z } from 'zod';
import { CheckpointKind } from '../contracts/common';
import { DatasetDescriptor } from '../dataset/descriptor';
import { CheckpointInfo, EpochMetrics, STEP_POSITION, StepProgress } from '../contracts/training';

/** Stop training automatically after this many optimizer steps in total (as if paused). */
const StopAfterSteps = z.number().int().min(1).nullable().default(null);

const RequestId = z.string().min(1).max(64);

/** What every job on one checkpoint of a run names: its reply's id, the run and the slot. */
const CHECKPOINT_JOB = { requestId: RequestId, runDir: z.string().min(1), from: CheckpointKind };

export const WorkerCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), nonce: z.string() }),
  /** Exit 0; a run still training is paused (with its checkpoint) first. */
  z.object({ type: z.literal('shutdown') }),
  /** Fresh run: run.json must exist in runDir and the folder must have no checkpoint yet. */
  z.object({ type: z.literal('start'), runDir: z.string().min(1), stopAfterSteps: StopAfterSteps }),
  /** Continue a run from one of its checkpoints (falls back to an older one if torn). */
  z.object({
    type: z.literal('resume'),
    runDir: z.string().min(1),
    from: CheckpointKind.default('last'),
    stopAfterSteps: StopAfterSteps,
  }),
  /** Pause after the current step, write a checkpoint (reason `pause`), then emit `paused`. */
  z.object({ type: z.literal('pause') }),
  /** Stop after the current step, write a checkpoint (reason `stop`), then emit `stopped`. */
  z.object({ type: z.literal('stop') }),
  /** Evaluate a checkpoint of a run on a split; replies with `result` (an EvalReport). */
  z.object({
    type: z.literal('evaluate'),
    ...CHECKPOINT_JOB,
    split: z.string().min(1),
  }),
  /**
   * Predicts every image of a split (or, with `folder`, the images directly inside that
   * folder) and writes one stored ZIP of masks (`dataset`: the dataset's own encoding) or
   * colour overlays (`color`); replies with `result` (ArchiveResult).
   */
  z.object({
    type: z.literal('predict'),
    ...CHECKPOINT_JOB,
    split: z.string().min(1),
    folder: z.string().min(1).optional(),
    encoding: z.enum(['dataset', 'color']),
    archive: z.string().min(1),
  }),
  /**
   * Exports a checkpoint as a tfjs Layers model + segstudio.json (folder or ZIP at target), or
   * as `target` .onnx + its `.segstudio.json` sidecar.
   */
  z.object({
    type: z.literal('export'),
    ...CHECKPOINT_JOB,
    format: z.enum(['folder', 'archive', 'onnx']),
    target: z.string().min(1),
  }),
  /**
   * Labelling jobs on a project with a run's checkpoint (`from`, best by default): `rank`
   * replies with the unlabeled/draft samples and their mean pixel entropy; `drafts` writes one
   * predicted class-id PNG per sample that may be pre-labelled into `outDir` and replies with
   * the list; `uncertainty` replies with the per-pixel entropy map of one `sample`;
   * `overlays` writes each of `samples`' prediction as a thumbnail-sized colour PNG (void
   * transparent, Browse's prediction overlay) into `outDir` and lists them.
   * The worker never writes the project's labels: the main process saves the drafts.
   */
  z.object({
    type: z.literal('labels'),
    requestId: RequestId,
    runDir: z.string().min(1),
    projectDir: z.string().min(1),
    /** The project's descriptor as it is now (class edits included). */
    descriptor: DatasetDescriptor,
    job: z.enum(['rank', 'drafts', 'uncertainty', 'overlays']),
    split: z.string().min(1).optional(),
    outDir: z.string().min(1).optional(),
    from: CheckpointKind.optional(),
    sample: z.object({ split: z.string().min(1), id: z.string().min(1) }).optional(),
    samples: z
      .array(z.object({ split: z.string().min(1), id: z.string().min(1) }))
      .max(1000)
      .optional(),
  }),
]);
export type WorkerCommand = z.input<typeof WorkerCommand>;

/** Live tensor count in the worker, reported so leaks are visible (and testable). */
const NumTensors = z.number().int().min(0);

/**
 * Where training ended up when it stops for any reason. Epoch numbers everywhere in training
 * (RunPosition, CheckpointInfo, RunSummary) count completed epochs; EpochMetrics.epoch is the
 * 1-based epoch that just ended (the same number); only StepProgress.epoch is the 1-based epoch
 * in progress ("epoch 2/10" while training it).
 */
export const RunPosition = z.object({
  runName: z.string(),
  ...STEP_POSITION,
  totalSteps: z.number().int(),
  loss: z.number().nullable(),
  checkpoint: CheckpointInfo.nullable(),
  numTensors: NumTensors,
});
export type RunPosition = z.infer<typeof RunPosition>;

export const WorkerEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    pid: z.number(),
    backend: z.string(),
    native: z.boolean(),
    numTensors: NumTensors,
  }),
  z.object({ type: z.literal('pong'), nonce: z.string() }),
  /** Training loop is running (after start/resume, model built and checkpoint restored). */
  z.object({
    type: z.literal('started'),
    runName: z.string(),
    globalStep: z.number().int(),
    totalSteps: z.number().int(),
    resumedFrom: CheckpointInfo.nullable(),
    /** Set when the requested checkpoint was unusable and an older one was used. */
    fallbackMessage: z.string().nullable(),
  }),
  z.object({ type: z.literal('progress'), progress: StepProgress }),
  z.object({ type: z.literal('epoch'), metrics: EpochMetrics, numTensors: NumTensors }),
  z.object({ type: z.literal('checkpoint'), checkpoint: CheckpointInfo }),
  z.object({ type: z.literal('paused'), position: RunPosition }),
  z.object({ type: z.literal('stopped'), position: RunPosition }),
  z.object({ type: z.literal('finished'), position: RunPosition }),
  /** `fatal`: training cannot continue (the worker stays alive for other commands). */
  z.object({
    type: z.literal('error'),
    message: z.string(),
    fatal: z.boolean().default(true),
    runName: z.string().nullable().default(null),
  }),
  z.object({
    type: z.literal('log'),
    level: z.enum(['info', 'warn']),
    message: z.string(),
  }),
  /** Progress of an evaluate/predict/export request (images done of total). */
  z.object({
    type: z.literal('jobProgress'),
    requestId: RequestId,
    done: z.number().int().min(0),
    total: z.number().int().min(0),
  }),
  /** Answer to evaluate/predict/export. `value` is validated by the caller's own schema. */
  z.object({
    type: z.literal('result'),
    requestId: RequestId,
    ok: z.boolean(),
    value: z.unknown().optional(),
    error: z.string().optional(),
  }),
]);
export type WorkerEvent = z.input<typeof WorkerEvent>;
export type ParsedWorkerEvent = z.infer<typeof WorkerEvent>;

/** `result.value` of predict and export: the file (or folder) written and its size. */
export const ArchiveResult = z.object({
  path: z.string(),
  bytes: z.number().int().min(0),
  count: z.number().int().min(0),
  note: z.string().nullable(),
});
export type ArchiveResult = z.infer<typeof ArchiveResult>;
