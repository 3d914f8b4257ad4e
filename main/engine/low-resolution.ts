/**
 * The low-resolution phase of a run (`config.lowResolutionPhase`, progressive resizing): a
 * second copy of the network, built at a smaller input size, whose layer variables ARE the
 * full model's tf.Variables. A step on the copy updates the run's weights (and BatchNorm
 * statistics) in place, so the optimizer, the weight average and checkpoints never know which
 * size trained a step; only the batches and the forward pass are smaller.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { TrainingConfig } from '../../shared/training/config';
import type { Tf } from '../native/backend';
import type { BatchLoader } from './batch-loader';
import { buildModel, type LayersModel } from './models';
import { scaledSize } from './test-time';

/**
 * The config the phase trains with: the input size times `scale` (multiples of 8) and the
 * scale augmentation's upper end divided by `scale`, so that a crop covers the same share of
 * an image as at full size, only with fewer pixels. Null when the run has no such phase.
 */
export function lowResolutionConfig(config: TrainingConfig): TrainingConfig | null {
  const phase = config.lowResolutionPhase;
  if (!phase) return null;
  const [lo, hi] = config.augmentation.scale;
  return {
    ...config,
    inputSize: scaledSize(config.inputSize, phase.scale),
    augmentation: { ...config.augmentation, scale: [lo, hi / phase.scale] },
    lowResolutionPhase: null,
  };
}

/**
 * Points every variable of `copy` at the variable of `model` in the same position (same
 * architecture, so the same order and shapes) and frees the copy's own ones.
 */
function shareVariables(copy: LayersModel, model: LayersModel): void {
  const own = copy.weights;
  const shared = model.weights;
  if (own.length !== shared.length) {
    throw new Error(`low-resolution copy has ${own.length} weights, the model ${shared.length}`);
  }
  own.forEach((w, i) => {
    const target = shared[i]!;
    if (w.shape.join('x') !== target.shape.join('x')) {
      throw new Error(`low-resolution copy: weight ${w.originalName} differs in shape`);
    }
    const mine = w.read();
    // LayerVariable keeps its tf.Variable in `val` (read() returns it, write() assigns to it).
    (w as unknown as { val: tfjs.Variable }).val = target.read() as tfjs.Variable;
    mine.dispose();
  });
}

export class LowResolutionPhase {
  /**
   * `config`: the phase's training config (see `lowResolutionConfig`). `model`: the network
   * at that size, its variables shared with the run's model; never dispose it (that would
   * free the run's weights). `loader`: the phase's batches, over the run's sample cache.
   */
  private constructor(
    readonly config: TrainingConfig,
    readonly model: LayersModel,
    readonly loader: BatchLoader,
    private readonly fraction: number,
  ) {}

  /** The phase of a run with `config`, or null when it has none. */
  static create(
    tf: Tf,
    config: TrainingConfig,
    model: LayersModel,
    numClasses: number,
    fullLoader: BatchLoader,
  ): LowResolutionPhase | null {
    const phase = config.lowResolutionPhase;
    if (!phase) return null;
    const small = lowResolutionConfig(config)!;
    const copy = buildModel(tf, small, numClasses).model;
    shareVariables(copy, model);
    const loader = fullLoader.withConfig(small);
    return new LowResolutionPhase(small, copy, loader, phase.fraction);
  }

  /**
   * Whether a step taken when `progress` (0..1) of the run is done belongs to the phase.
   * Progress only grows, so once false it stays false.
   */
  activeAt(progress: number): boolean {
    return progress < this.fraction;
  }
}
