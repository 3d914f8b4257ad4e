/**
 * The tensor side of one optimizer step: a batch's typed arrays become tensors, the model runs
 * forward in training mode, the masked loss and its gradients are computed, and Adam applies
 * them. Every tensor made here is disposed here, whether the step succeeds or throws.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { TrainingConfig } from '../../shared/training/config';
import type { Tf } from '../native/backend';
import type { BatchArrays } from './data';
import { hardPixelsOf, maskedCrossEntropy } from './loss';
import type { LayersModel } from './models';
import type { Adam } from './optimizer';

/** Thrown by `step()` when the loss is NaN/Infinity; the update was not applied. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly loss: number,
    readonly globalStep: number,
    readonly lr: number,
  ) {
    super(
      `loss is ${loss} at step ${globalStep} (lr ${lr.toExponential(2)}): training diverged; ` +
        'resume from the last checkpoint with a lower learning rate',
    );
    this.name = 'NonFiniteLossError';
  }
}

/**
 * One update of `adam`'s variables on `batch` at learning rate `lr`; returns the batch loss.
 * `globalStep` (the step this is, 1-based) only names the step in a `NonFiniteLossError`.
 */
export async function optimizerStep(
  tf: Tf,
  args: {
    readonly model: LayersModel;
    readonly adam: Adam;
    readonly batch: BatchArrays;
    readonly config: TrainingConfig;
    readonly lr: number;
    readonly globalStep: number;
  },
): Promise<number> {
  const { model, adam, batch, lr } = args;
  const B = args.config.batchSize;
  const { width: W, height: H } = args.config.inputSize;
  const xs = tf.tensor4d(batch.images, [B, H, W, 3], 'float32');
  const ys = tf.tensor3d(batch.labels, [B, H, W], 'int32');
  const ws = tf.tensor3d(batch.weights, [B, H, W], 'float32');
  try {
    const { value, grads } = tf.tidy(() =>
      tf.variableGrads(() => {
        const logits = model.apply(xs, { training: true }) as tfjs.Tensor4D;
        return maskedCrossEntropy(tf, logits, ys, ws, hardPixelsOf(args.config.loss));
      }, adam.variables),
    );
    try {
      const loss = (await value.data())[0]!;
      if (!Number.isFinite(loss)) {
        // Do not apply the update: weights and Adam slots stay as they were. (BatchNorm
        // moving statistics may already be affected: resume from the last checkpoint.)
        throw new NonFiniteLossError(loss, args.globalStep, lr);
      }
      adam.apply(grads, lr);
      return loss;
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  } finally {
    tf.dispose([xs, ys, ws]);
  }
}

/** What `Trainer.step()` reports about the optimizer step it just took. */
export interface StepResult {
  /** Optimizer steps completed, including this one. */
  readonly globalStep: number;
  /** Epoch (0-based) and index within it of the step just taken. */
  readonly epoch: number;
  readonly stepInEpoch: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  /** True if this step was the last of its epoch (time to evaluate / checkpoint). */
  readonly epochEnded: boolean;
  /** True if this was the last step of the run. */
  readonly finished: boolean;
  readonly loss: number;
  readonly lr: number;
  readonly batchSize: number;
  /** The size the step trained at (smaller than the config's in a low-resolution phase). */
  readonly inputSize: { readonly width: number; readonly height: number };
  /** Wall time of the whole step, and the part spent waiting for data. */
  readonly stepSeconds: number;
  readonly dataWaitSeconds: number;
}
