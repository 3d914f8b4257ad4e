import { z } from 'zod';
import { defineContract } from '../ipc/contract';
import { PresetName } from '../training/presets';
import { TRAINING_STATES } from '../training/state';
import { CheckpointKind, RunName, SCORES } from './common';

/** A model preset's name (the list is `PRESET_NAMES` in shared/training/presets.ts). */
export const Preset = PresetName;
export type Preset = PresetName;

/**
 * What a user sets in the Train form or on the `segstudio train` command line. The engine
 * expands it into its full TrainingConfig (shared/training) from the preset's defaults.
 */
export const TrainRequest = z.object({
  runName: RunName,
  preset: Preset.default('default'),
  trainSplit: z.string().max(64).default('train'),
  valSplit: z.string().max(64).nullable().default('val'),
  width: z.number().int().min(32).max(2048).optional(),
  height: z.number().int().min(32).max(2048).optional(),
  batch: z.number().int().min(1).max(256).optional(),
  epochs: z.number().int().min(1).max(10_000).optional(),
  lr: z.number().positive().max(1).optional(),
  seed: z.number().int().min(0).optional(),
  augment: z.boolean().optional(),
  classWeights: z.boolean().optional(),
  checkpointEveryMinutes: z.number().min(0.1).max(1440).optional(),
  /**
   * Wall-clock budget of the run (`--time-budget 60m`): the schedule is planned to end at it,
   * then the run validates, keeps `best` and finishes; epochs (if given) only bound it.
   */
  timeBudgetSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .optional(),
  /** Pause automatically after this many optimizer steps in total (like pressing Pause). */
  stopAfterSteps: z.number().int().min(1).optional(),
});
export type TrainRequest = z.input<typeof TrainRequest>;

export const TrainingState = z.enum(TRAINING_STATES);
export type TrainingState = z.infer<typeof TrainingState>;

/** Throttled (~4/s) step progress: plain numbers only. */
export const StepProgress = z.object({
  runName: z.string(),
  epoch: z.number().int(),
  epochs: z.number().int(),
  stepInEpoch: z.number().int(),
  stepsPerEpoch: z.number().int(),
  globalStep: z.number().int(),
  totalSteps: z.number().int(),
  loss: z.number(),
  lossSmoothed: z.number(),
  lr: z.number(),
  imgPerSec: z.number(),
  epochEtaSeconds: z.number().nullable(),
  runEtaSeconds: z.number().nullable(),
});
export type StepProgress = z.infer<typeof StepProgress>;

export const EpochMetrics = z.object({
  runName: z.string(),
  epoch: z.number().int(),
  globalStep: z.number().int(),
  trainLoss: z.number(),
  valLoss: z.number().nullable(),
  ...SCORES,
  /** Validation IoU per class, in training-index order (null: absent from truth and guess). */
  classIoU: z.array(z.object({ name: z.string(), iou: z.number().nullable() })).optional(),
  seconds: z.number(),
  at: z.number(),
});
export type EpochMetrics = z.infer<typeof EpochMetrics>;

/**
 * Where a run stands between steps: completed epochs, steps done in the current epoch, steps in
 * total. Shared by checkpoints and the worker's RunPosition.
 */
export const STEP_POSITION = {
  epoch: z.number().int(),
  stepInEpoch: z.number().int(),
  globalStep: z.number().int(),
};

export const CheckpointInfo = z.object({
  runName: z.string(),
  kind: CheckpointKind,
  ...STEP_POSITION,
  mIoU: z.number().nullable(),
  savedAt: z.number(),
  reason: z.string(),
});
export type CheckpointInfo = z.infer<typeof CheckpointInfo>;

export const RunSummary = z.object({
  runName: z.string(),
  preset: Preset,
  state: TrainingState,
  epoch: z.number().int(),
  epochs: z.number().int(),
  globalStep: z.number().int(),
  totalSteps: z.number().int(),
  bestMIoU: z.number().nullable(),
  updatedAt: z.number(),
  message: z.string().nullable(),
  /** A fine-tune's source run (its best checkpoint started this one), to compare the two. */
  sourceRun: z.string().nullable().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** The form's fields with a value each (a preset's defaults, a run's settings). */
export const FormSettings = TrainRequest.omit({
  runName: true,
  stopAfterSteps: true,
  timeBudgetSeconds: true,
}).required();
export type FormSettings = z.infer<typeof FormSettings>;

/**
 * What a run was started with, as the Train form shows it (read-only) and copies it into a new
 * run: `epochs` is null for a time-budget run that was given no epochs.
 */
export const RunSettings = FormSettings.extend({
  runName: z.string(),
  epochs: z.number().int().nullable(),
  timeBudgetSeconds: z.number().nullable(),
});
export type RunSettings = z.infer<typeof RunSettings>;

/**
 * A run's last logged numbers, for a header with no live progress (a settled run, a reopened
 * app): lr and imgPerSec are null for runs logged before they were kept.
 */
export const LastStepNumbers = z.object({
  step: z.number().int(),
  loss: z.number(),
  lossSmoothed: z.number(),
  lr: z.number().nullable(),
  imgPerSec: z.number().nullable(),
});
export type LastStepNumbers = z.infer<typeof LastStepNumbers>;

export const RunHistory = z.object({
  runName: z.string(),
  steps: z.array(z.object({ step: z.number().int(), loss: z.number() })),
  epochs: z.array(EpochMetrics),
  /** Null: nothing logged yet. */
  last: LastStepNumbers.nullable(),
});
export type RunHistory = z.infer<typeof RunHistory>;

const RunRef = z.object({ runName: RunName });

export const trainingContract = defineContract({
  service: 'training',
  methods: {
    /** Preset defaults for the form. */
    presets: {
      input: z.object({}),
      output: z.array(
        z.object({
          preset: Preset,
          description: z.string(),
          defaults: FormSettings,
          /**
           * The open dataset's typical image size (train split), or null: the default width
           * and height are derived from it, and the form warns when a size distorts it.
           */
          imageSize: z.object({ width: z.number().int(), height: z.number().int() }).nullable(),
        }),
      ),
    },
    runs: { input: z.object({}), output: z.array(RunSummary) },
    status: {
      input: z.object({}),
      output: z.object({ active: RunSummary.nullable(), progress: StepProgress.nullable() }),
    },
    /**
     * Strict: a field this request does not know (a typo, or a config field such as
     * `widthMultiplier` that only `--config` sets) is refused by name instead of being dropped,
     * so a client never trains with settings it did not ask for.
     */
    start: { input: TrainRequest.strict(), output: RunSummary },
    /**
     * "Fine-tune with my corrections": a normal, pausable run on the project's current labels,
     * initialised from `sourceRun`'s best checkpoint, with its settings; short by default
     * (3 epochs at a tenth of its learning rate). Its summary names `sourceRun`.
     */
    fineTune: {
      input: z
        .object({
          sourceRun: RunName,
          runName: RunName,
          epochs: z.number().int().min(1).max(10_000).default(3),
          lr: z.number().positive().max(1).optional(),
          stopAfterSteps: z.number().int().min(1).optional(),
        })
        .strict(),
      output: RunSummary,
    },
    /** Takes effect after the current step and writes a checkpoint. */
    pause: { input: z.object({}), output: RunSummary.nullable() },
    resume: { input: RunRef.extend({ from: CheckpointKind.default('last') }), output: RunSummary },
    stop: { input: z.object({}), output: RunSummary.nullable() },
    history: { input: RunRef, output: RunHistory },
    /** The settings a run was started with (from its run.json). */
    settings: { input: RunRef, output: RunSettings },
    checkpoints: { input: RunRef, output: z.array(CheckpointInfo) },
  },
  events: {
    progress: StepProgress,
    epoch: EpochMetrics,
    checkpoint: CheckpointInfo,
    state: RunSummary,
    /** Something failed: a fatal one also ends the run (its `state` event says `crashed`). */
    error: z.object({ runName: z.string().nullable(), message: z.string() }),
    /**
     * Worth telling the user, but the run goes on and its state is untouched: no usable val
     * split, a checkpoint fallback, an automatic restart after the worker died.
     */
    warning: z.object({ runName: z.string().nullable(), message: z.string() }),
  },
});
