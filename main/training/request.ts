import { TrainRequest, type FormSettings, type RunSettings } from '../../shared/contracts/training';
import type { TrainingConfig, TrainingConfigOverrides } from '../../shared/training/config';
import { datasetInputSize } from '../../shared/training/input-size';
import type { InputSize } from '../../shared/training/config';
import type { PresetName } from '../../shared/training/presets';
import { makeTrainingConfig } from '../engine/config';
import { presetOf } from '../engine/models/registry';

export type ParsedTrainRequest = ReturnType<typeof TrainRequest.parse>;

const NO_AUGMENTATION = {
  scale: [1, 1] as [number, number],
  flip: false,
  colorJitter: { brightness: 0, contrast: 0, saturation: 0 },
};

/**
 * Expands what the user set onto the preset's full config, in layers: the preset's defaults,
 * the input size the dataset's images give (`imageSize`), then `file` (a `--config` file's
 * fields, possibly partial; nested objects merge field by field), then the Train form's or
 * the CLI's flags. A time budget with no epochs from the file or the flags lets the budget
 * decide when the run ends.
 */
export function configFromRequest(
  request: ParsedTrainRequest,
  imageSize: InputSize | null = null,
  file: TrainingConfigOverrides = {},
): TrainingConfig {
  const base: TrainingConfigOverrides = {
    preset: request.preset,
    inputSize: defaultInputSize(request.preset, imageSize),
  };
  const flags: TrainingConfigOverrides = { preset: request.preset };
  if (request.width !== undefined || request.height !== undefined) {
    flags.inputSize = {
      ...(request.width !== undefined && { width: request.width }),
      ...(request.height !== undefined && { height: request.height }),
    };
  }
  if (request.batch !== undefined) flags.batchSize = request.batch;
  if (request.epochs !== undefined) flags.epochs = request.epochs;
  if (request.timeBudgetSeconds !== undefined) flags.timeBudgetSeconds = request.timeBudgetSeconds;
  const budget = flags.timeBudgetSeconds ?? file.timeBudgetSeconds ?? null;
  // The budget decides when the run ends; epochs given with it only bound it.
  if (budget !== null && flags.epochs === undefined && file.epochs === undefined) {
    flags.epochs = MAX_EPOCHS;
  }
  if (request.lr !== undefined) flags.optimizer = { lr: request.lr };
  if (request.seed !== undefined) flags.seed = request.seed;
  if (request.checkpointEveryMinutes !== undefined) {
    flags.checkpointEveryMinutes = request.checkpointEveryMinutes;
  }
  if (request.augment === false) flags.augmentation = NO_AUGMENTATION;
  if (request.classWeights !== undefined) {
    // On = the preset's own frequency scheme (or inverse sqrt frequency if it has none).
    const own = presetOf(request.preset).defaults.classWeights;
    const scheme = typeof own === 'string' && own !== 'none' ? own : 'inverse-sqrt-frequency';
    flags.classWeights = request.classWeights ? scheme : 'none';
  }
  return makeTrainingConfig(base, file, flags);
}

/** Epoch bound of a run with a time budget and no --epochs (the config's maximum). */
const MAX_EPOCHS = 100_000;

/**
 * A preset's default input size for images of `imageSize` (the dataset's typical size): its
 * aspect ratio within the preset's pixel budget, or the preset's fixed size when it has no
 * rule or the images are unknown.
 */
export function defaultInputSize(preset: PresetName, imageSize: InputSize | null): InputSize {
  const def = presetOf(preset);
  if (!def.inputSizeRule || !imageSize) return def.defaults.inputSize;
  return datasetInputSize(imageSize, def.inputSizeRule);
}

/** The form's defaults for a preset, in TrainRequest terms (sizes follow `imageSize`). */
export function presetDefaults(
  preset: PresetName,
  imageSize: InputSize | null = null,
): FormSettings {
  const defaults = presetOf(preset).defaults;
  return formSettingsOf({ ...defaults, preset, inputSize: defaultInputSize(preset, imageSize) });
}

/** The Train form's fields for `config` (a preset's defaults or a run's config). */
export function formSettingsOf(
  c: TrainingConfig,
  splits: { trainSplit: string; valSplit: string | null } = {
    trainSplit: 'train',
    valSplit: 'val',
  },
): FormSettings {
  const augmented =
    c.augmentation.flip ||
    c.augmentation.scale[0] !== 1 ||
    c.augmentation.scale[1] !== 1 ||
    c.augmentation.colorJitter.brightness > 0;
  return {
    preset: c.preset,
    ...splits,
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

/** A run's settings for the Train form, from its run.json (what it was started with). */
export function runSettingsOf(run: {
  runName: string;
  request: { trainSplit?: string; valSplit?: string | null; epochs?: number };
  config: TrainingConfig;
}): RunSettings {
  const budget = run.config.timeBudgetSeconds;
  return {
    ...formSettingsOf(run.config, {
      trainSplit: run.request.trainSplit ?? 'train',
      valSplit: run.request.valSplit === undefined ? 'val' : run.request.valSplit,
    }),
    runName: run.runName,
    // A budget run given no epochs has the config's bound there, not a number anyone chose.
    epochs: budget !== null && run.request.epochs === undefined ? null : run.config.epochs,
    timeBudgetSeconds: budget,
  };
}
