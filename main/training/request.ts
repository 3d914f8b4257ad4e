import { TrainRequest } from '../../shared/contracts/training';
import type { TrainingConfig, TrainingConfigOverrides } from '../../shared/training/config';
import type { PresetName } from '../../shared/training/presets';
import { makeTrainingConfig } from '../engine/config';
import { presetOf } from '../engine/models/registry';

export type ParsedTrainRequest = ReturnType<typeof TrainRequest.parse>;

const NO_AUGMENTATION = {
  scale: [1, 1] as [number, number],
  flip: false,
  colorJitter: { brightness: 0, contrast: 0, saturation: 0 },
};

/** Expands what the user set (Train form or CLI flags) onto the preset's full config. */
export function configFromRequest(request: ParsedTrainRequest): TrainingConfig {
  const base = presetOf(request.preset).defaults;
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
  const c = presetOf(preset).defaults;
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
