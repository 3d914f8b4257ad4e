/**
 * What one model preset is: everything the engine, the services and the CLI need to know about
 * it, carried by the preset's own model file and collected in `registry.ts`.
 */
import type { TrainingConfig } from '../../../shared/training/config';
import type { InputSizeRule } from '../../../shared/training/input-size';
import type { PresetName } from '../../../shared/training/presets';
import type { Tf } from '../../native/backend';
import type { LayersModel, WeightInitScheme } from './common';

export interface PresetDefinition {
  readonly name: PresetName;
  /** One sentence for the Train form's preset picker. */
  readonly description: string;
  /**
   * Layout version of the network. Bump it whenever a change renames, adds, removes or reshapes
   * weights: checkpoints and exports record it, so an older layout is refused with a clear
   * message instead of "unknown weight ...".
   */
  readonly architectureVersion: number;
  /** The preset's full default config (`preset` set to its own name). */
  readonly defaults: TrainingConfig;
  /**
   * How the default input size follows the dataset (its aspect ratio within a pixel budget),
   * or null when the preset keeps `defaults.inputSize` whatever the images are.
   */
  readonly inputSizeRule: InputSizeRule | null;
  /** How `buildModel` initialises the weights from `config.seed`. */
  readonly init: WeightInitScheme;
  /**
   * Name prefix of the layers kept frozen when `config.freezeFeatures` is on (a pretrained
   * feature extractor), or null when the preset has nothing to freeze.
   */
  readonly frozenPrefix: string | null;
  /**
   * Builds the uninitialised network for `config.inputSize` with `numClasses` outputs: logits
   * `[B, H, W, numClasses]`, standard Layers only, weights named stably (see README).
   */
  build(tf: Tf, config: TrainingConfig, numClasses: number): LayersModel;
}
