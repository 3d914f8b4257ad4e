/**
 * Training configuration: pure, JSON-serialisable, validated with zod. Every field has a
 * default; each preset's defaults live with its model in the engine's preset registry, which
 * merges user overrides onto them (`makeTrainingConfig` in `main/engine/config.ts`).
 */
import { z } from 'zod';
import { PresetName } from './presets';

export const InputSize = z.object({
  width: z.number().int().min(16).max(4096),
  height: z.number().int().min(16).max(4096),
});
export type InputSize = z.infer<typeof InputSize>;

export const OptimizerConfig = z.object({
  type: z.literal('adam').default('adam'),
  lr: z.number().positive().default(1e-3),
  beta1: z.number().min(0).max(1).default(0.9),
  beta2: z.number().min(0).max(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
  /** Decoupled (AdamW-style) weight decay on conv kernels; 0 disables it. */
  weightDecay: z.number().min(0).default(0),
});
export type OptimizerConfig = z.infer<typeof OptimizerConfig>;

export const LrScheduleConfig = z.object({
  type: z.enum(['constant', 'poly', 'cosine']).default('constant'),
  /** Linear warmup from lr/warmupSteps to lr over this many optimizer steps. */
  warmupSteps: z.number().int().min(0).default(0),
  /** Exponent of the poly schedule. */
  power: z.number().positive().default(0.9),
  /** Floor reached at the last step by poly / cosine. */
  minLr: z.number().min(0).default(0),
});
export type LrScheduleConfig = z.infer<typeof LrScheduleConfig>;

export const ColorJitterConfig = z.object({
  /** Multiplicative factors drawn uniformly from [1 - x, 1 + x]; 0 disables each. */
  brightness: z.number().min(0).max(1).default(0),
  contrast: z.number().min(0).max(1).default(0),
  saturation: z.number().min(0).max(1).default(0),
});
export type ColorJitterConfig = z.infer<typeof ColorJitterConfig>;

export const AugmentationConfig = z.object({
  /**
   * Random scale range relative to the "cover" scale (the scale at which the image just
   * covers the input size); a random crop of the input size is then taken. [1, 1] = resize.
   */
  scale: z
    .tuple([z.number().positive(), z.number().positive()])
    .default([1, 1])
    .refine(([lo, hi]) => lo <= hi, 'scale: min must be <= max'),
  flip: z.boolean().default(false),
  colorJitter: ColorJitterConfig.prefault({}),
});
export type AugmentationConfig = z.infer<typeof AugmentationConfig>;

/** 'none', weights from the dataset's class frequencies, or one explicit weight per class. */
export const ClassWeightsConfig = z.union([
  z.enum(['none', 'inverse-sqrt-frequency', 'enet-frequency']),
  z.array(z.number().min(0)).min(1),
]);
export type ClassWeightsConfig = z.infer<typeof ClassWeightsConfig>;

export const LossConfig = z.object({
  /**
   * 'cross-entropy' over every labelled pixel, or 'ohem' (online hard example mining): only
   * the pixels whose true-class probability is below `ohemThreshold` count, unless fewer than
   * `ohemMinKept` (a fraction of the batch's labelled pixels) are, then all of them do.
   */
  type: z.enum(['cross-entropy', 'ohem']).default('cross-entropy'),
  ohemThreshold: z.number().gt(0).max(1).default(0.7),
  ohemMinKept: z.number().min(0).max(1).default(0.05),
});
export type LossConfig = z.infer<typeof LossConfig>;

export const NormalizationConfig = z.object({
  /** Per-channel mean and std on [0, 1] RGB values: x = (rgb / 255 - mean) / std. */
  mean: z.tuple([z.number(), z.number(), z.number()]).default([0.485, 0.456, 0.406]),
  std: z
    .tuple([z.number().positive(), z.number().positive(), z.number().positive()])
    .default([0.229, 0.224, 0.225]),
});
export type NormalizationConfig = z.infer<typeof NormalizationConfig>;

export const TrainingConfig = z.object({
  preset: PresetName.default('default'),
  inputSize: InputSize.default({ width: 240, height: 240 }),
  batchSize: z.number().int().min(1).max(1024).default(8),
  epochs: z.number().int().min(1).max(100_000).default(50),
  // prefault({}): a missing section is parsed as empty, so its field defaults above apply and
  // no default is written twice.
  optimizer: OptimizerConfig.prefault({}),
  schedule: LrScheduleConfig.prefault({}),
  augmentation: AugmentationConfig.prefault({}),
  classWeights: ClassWeightsConfig.default('none'),
  loss: LossConfig.prefault({}),
  normalization: NormalizationConfig.prefault({}),
  /** Seeds weight init, data order and augmentation. Same seed + config = same run. */
  seed: z.number().int().min(0).max(0xffffffff).default(42),
  /**
   * Wall-clock budget of the whole run in seconds (training + validation, pauses excluded), or
   * null. With a budget the learning rate follows the fraction of it spent, the run ends when
   * it is spent (with a last validation and `best`), and `epochs` is only an upper bound.
   */
  timeBudgetSeconds: z.number().positive().nullable().default(null),
  /** Time-based automatic checkpoint interval (in addition to epoch ends and pauses). */
  checkpointEveryMinutes: z.number().positive().default(10),
  /** seed-alexnet-fcn only: keep the AlexNet feature extractor frozen. */
  freezeFeatures: z.boolean().default(false),
  /** default preset only: channel width multiplier of the encoder-decoder. */
  widthMultiplier: z.number().positive().max(4).default(1),
  /**
   * default preset only: the finest scale of the decoder, 4 (1/4, the first layout) or 2 (one
   * more stage at 1/2 with a skip from the stem, for thin objects). The schema default stays 4
   * so that run.json files written before the field existed still build the network their
   * checkpoints hold.
   */
  decoderStride: z.union([z.literal(2), z.literal(4)]).default(4),
  /**
   * Decay of an exponential moving average of the weights (per optimizer step); 0 = off. When
   * on, the average is what the run validates, keeps as `best` and exports.
   */
  emaDecay: z.number().min(0).lt(1).default(0),
  /**
   * Test-time flip: per-epoch validation, `best` and the run's evaluations average each
   * image's logits with those of its mirror image (mirrored back). Twice the inference per
   * validated image; training is unchanged.
   */
  testTimeFlip: z.boolean().default(false),
  /**
   * Multi-scale testing in evaluations (the Evaluate page, `segstudio eval`; per-epoch
   * validation stays at one scale, for speed): the logits are averaged over copies of the
   * network at these multiples of the input size (rounded to multiples of 8), each flipped too
   * with `testTimeFlip`. [1] = one scale.
   */
  testTimeScales: z.array(z.number().min(0.25).max(4)).min(1).max(6).default([1]),
  /**
   * Progressive resizing: for the first `fraction` of the run (of the time budget when there
   * is one, else of the steps) the same network, sharing its weights, trains and validates at
   * `scale` x the input size, with the scale augmentation widened by 1/scale so its crops
   * show the same share of each image. A step there costs about scale^2 as much, so the
   * early, coarse part of learning sees more images per minute. null = off (the schema
   * default, so that run.json files written before the field existed train as they did).
   */
  lowResolutionPhase: z
    .object({
      fraction: z.number().gt(0).lt(1),
      scale: z.number().min(0.25).lt(1),
    })
    .nullable()
    .default(null),
  /**
   * Largest share of the run's wall time per-epoch validation may take, in (0, 1]; null =
   * validate after every epoch (the schema default). With a share, an epoch end skips its
   * validation (its metrics line has no val numbers) until the training time since the last
   * validation is at least (1 - share) / share times that validation's duration. The first
   * epoch end of a session and the run's last one always validate, so `best` sees the end of
   * the schedule.
   */
  validationShare: z.number().gt(0).max(1).nullable().default(null),
});
export type TrainingConfig = z.infer<typeof TrainingConfig>;

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
export type TrainingConfigOverrides = DeepPartial<TrainingConfig>;
