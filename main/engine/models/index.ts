/**
 * `buildModel`: the network of a config's preset, looked up in the preset registry, initialised
 * deterministically and with the preset's frozen layers marked.
 */
import type { TrainingConfig } from '../../../shared/training/config';
import type { Tf } from '../../native/backend';
import { initializeWeights, type LayersModel } from './common';
import { presetOf } from './registry';

export { alexnetFcnPytorchMapping } from './alexnet-fcn';
export type { PytorchWeightMapping } from './alexnet-fcn';
export type { LayersModel } from './common';

export interface BuiltModel {
  readonly model: LayersModel;
  /**
   * Stable names (LayerVariable.originalName) of the weights the optimizer updates, in model
   * order. Frozen features and BatchNorm moving statistics are excluded.
   */
  readonly trainableNames: readonly string[];
}

/**
 * Builds the model named by `config.preset` for `numClasses` outputs, with weights initialised
 * deterministically from `config.seed`. Output: logits [B, H, W, numClasses]. Throws
 * `UnknownPresetError` for a preset the registry does not hold.
 */
export function buildModel(tf: Tf, config: TrainingConfig, numClasses: number): BuiltModel {
  const preset = presetOf(config.preset);
  const model = preset.build(tf, config, numClasses);
  initializeWeights(tf, model, config.seed, preset.init);
  const frozenPrefix = config.freezeFeatures ? preset.frozenPrefix : null;
  const frozen = (name: string): boolean => frozenPrefix !== null && name.startsWith(frozenPrefix);
  for (const layer of model.layers) {
    if (frozen(layer.name)) layer.trainable = false;
  }
  const trainableNames = model.weights
    .filter((w) => w.trainable && !frozen(w.originalName))
    .map((w) => w.originalName);
  return { model, trainableNames };
}
