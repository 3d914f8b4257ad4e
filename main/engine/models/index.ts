import type { TrainingConfig } from '../../../shared/training/config';
import type { Tf } from '../../native/backend';
import { ALEXNET_FEATURE_PREFIX, buildAlexnetFcn } from './alexnet-fcn';
import { initializeWeights, type LayersModel } from './common';
import { buildDefaultNet } from './default-net';

export { alexnetFcnPytorchMapping, ALEXNET_MIN_INPUT } from './alexnet-fcn';
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
 * deterministically from `config.seed`. Output: logits [B, H, W, numClasses].
 */
export function buildModel(tf: Tf, config: TrainingConfig, numClasses: number): BuiltModel {
  const { width, height } = config.inputSize;
  const model =
    config.preset === 'seed-alexnet-fcn'
      ? buildAlexnetFcn(tf, { width, height, numClasses })
      : buildDefaultNet(tf, {
          width,
          height,
          numClasses,
          widthMultiplier: config.widthMultiplier,
        });
  initializeWeights(
    tf,
    model,
    config.seed,
    config.preset === 'seed-alexnet-fcn' ? 'torch-default' : 'he',
  );
  const frozen = (name: string): boolean =>
    config.preset === 'seed-alexnet-fcn' &&
    config.freezeFeatures &&
    name.startsWith(ALEXNET_FEATURE_PREFIX);
  if (config.preset === 'seed-alexnet-fcn' && config.freezeFeatures) {
    for (const layer of model.layers) {
      if (layer.name.startsWith(ALEXNET_FEATURE_PREFIX)) layer.trainable = false;
    }
  }
  const trainableNames = model.weights
    .filter((w) => w.trainable && !frozen(w.originalName))
    .map((w) => w.originalName);
  return { model, trainableNames };
}
