import { TrainRequest } from '../../shared/contracts/training';
import {
  PRESETS,
  makeTrainingConfig,
  type PresetName,
  type TrainingConfig,
  type TrainingConfigOverrides,
} from '../../shared/training/config';

export type ParsedTrainRequest = ReturnType<typeof TrainRequest.parse>;

const NO_AUGMENTATION = {
  scale: [1, 1] as [number, number],
  flip: false,
  colorJitter: { brightness: 0, contrast: 0, saturation: 0 },
};

/** Expands what the user set (Train form or CLI flags) onto the preset's full config. */
export function configFromRequest(request: ParsedTrainRequest): TrainingConfig {
  const base = PRESETS[request.preset];
  const overrides: TrainingConfigOverrides = { preset: request.preset };
  if (request.width !== undefined || request.height !== undefined) {
    overrides.inputSize = {
      width: request.width ?? base.inputSize.width,
      height: request.height ?? base.inputSize.height,
    };
  }
  if (request.batch !== undefined) overrides.batchSize = request.batch;
  if (request.epochs !== undefined) overrides.epochs = request.epochs;
  if (request.lr !== undefined) overrides.optimizer = { lr: request.lr };
  if (request.seed !== undefined) overrides.seed = request.seed;
  if (request.checkpointEveryMinutes !== undefined) {
    overrides.checkpointEveryMinutes = request.checkpointEveryMinutes;
  }
  if (request.augment === false) overrides.augmentation = NO_AUGMENTATION;
  if (request.classWeights !== undefined) {
    overrides.classWeights = request.classWeights ? 'inverse-sqrt-frequency' : 'none';
  }
  return makeTrainingConfig(overrides);
}

/** The form's defaults for a preset, in TrainRequest terms. */
export function presetDefaults(preset: PresetName) {
  const c = PRESETS[preset];
  const augmented =
    c.augmentation.flip ||
    c.augmentation.scale[0] !== 1 ||
    c.augmentation.scale[1] !== 1 ||
    c.augmentation.colorJitter.brightness > 0;
  return {
    preset,
    trainSplit: 'train',
    valSplit: 'val' as string | null,
    width: c.inputSize.width,
    height: c.inputSize.height,
    batch: c.batchSize,
    epochs: c.epochs,
    lr: c.optimizer.lr,
    seed: c.seed,
    augment: augmented,
    classWeights: c.classWeights !== 'none',
    checkpointEveryMinutes: c.checkpointEveryMinutes,
  };
}

export const PRESET_DESCRIPTIONS: Readonly<Record<PresetName, string>> = {
  default:
    'CPU-efficient encoder-decoder trained from scratch, with augmentation and class weights.',
  'seed-alexnet-fcn':
    'The seed project: AlexNet features, 1x1 conv to the classes, bilinear upsample (240x240, batch 16, Adam 1e-4).',
};
