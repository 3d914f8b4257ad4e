/**
 * Test-time augmentation for evaluation: the logits of a batch as the mean over a horizontal
 * flip and over copies of the network built at other input sizes (multi-scale testing). The
 * network is fully convolutional, so a copy at another size holds the same weights; its
 * logits are resized (bilinear, half-pixel centres) to the base model's output size first.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { NormalizationConfig, TrainingConfig } from '../../shared/training/config';
import type { DecodedSample } from '../dataset/source';
import type { Tf } from '../native/backend';
import { buildModel } from './models';
import { inputBatch, resizeRgb } from './predict-input';

/** The network at another input size, sharing the base model's weights. */
export interface ScaledModel {
  readonly scale: number;
  readonly size: { readonly width: number; readonly height: number };
  readonly model: tfjs.LayersModel;
}

/** `scale` x the input size, rounded to the multiple of 8 the encoder's strides need. */
export function scaledSize(
  size: { width: number; height: number },
  scale: number,
): { width: number; height: number } {
  const round = (v: number) => Math.max(8, Math.round((v * scale) / 8) * 8);
  return { width: round(size.width), height: round(size.height) };
}

/**
 * Copies of `model` (built from `config`) at each scale other than 1, with its weights. The
 * caller owns them: dispose each `model` when done.
 */
export function modelsAtScales(
  tf: Tf,
  model: tfjs.LayersModel,
  config: TrainingConfig,
  numClasses: number,
  scales: readonly number[],
): ScaledModel[] {
  const weights = model.getWeights();
  return [...new Set(scales)]
    .filter((s) => s !== 1)
    .map((scale) => {
      const size = scaledSize(config.inputSize, scale);
      const built = buildModel(tf, { ...config, inputSize: size }, numClasses).model;
      built.setWeights(weights);
      return { scale, size, model: built };
    });
}

/** The scales an evaluation with `scaled` averages, as reports name them: [1, ...]. */
export function scalesOf(scaled: readonly ScaledModel[]): number[] {
  return [1, ...scaled.map((m) => m.scale)];
}

export interface TestTimeOptions {
  readonly normalization: NormalizationConfig;
  readonly flip: boolean;
  readonly scaled: readonly ScaledModel[];
}

/**
 * Inputs of each scaled model, resized from the decoded originals as the base inputs were
 * (sharp, off the JS thread): one list per entry of `scaled`.
 */
export function scaledInputs(
  originals: readonly DecodedSample[],
  scaled: readonly ScaledModel[],
): Promise<DecodedSample[][]> {
  return Promise.all(
    scaled.map((m) =>
      Promise.all(
        originals.map(async (s) => ({
          ...s,
          ...m.size,
          image: await resizeRgb(s.image, s.width, s.height, m.size),
        })),
      ),
    ),
  );
}

/**
 * Mean logits [B, H, W, C] at the base model's output size over every model and, with
 * `flip`, each image's mirror (mirrored back). `inputs` are at the base size, `perScaled[k]`
 * at `scaled[k].size`. The result is the caller's to dispose.
 */
export function testTimeLogits(
  tf: Tf,
  base: tfjs.LayersModel,
  inputs: readonly DecodedSample[],
  baseSize: { width: number; height: number },
  perScaled: readonly (readonly DecodedSample[])[],
  options: TestTimeOptions,
): tfjs.Tensor4D {
  return tf.tidy(() => {
    const passes: tfjs.Tensor4D[] = [];
    const run = (model: tfjs.LayersModel, x: tfjs.Tensor4D) => {
      passes.push(model.predict(x) as tfjs.Tensor4D);
      if (options.flip) {
        passes.push(tf.reverse(model.predict(tf.reverse(x, 2)) as tfjs.Tensor4D, 2));
      }
    };
    run(base, inputBatch(tf, inputs, baseSize, options.normalization));
    const [, outH, outW] = passes[0]!.shape;
    options.scaled.forEach((m, k) => {
      const from = passes.length;
      run(m.model, inputBatch(tf, perScaled[k]!, m.size, options.normalization));
      for (let p = from; p < passes.length; p++) {
        passes[p] = tf.image.resizeBilinear(passes[p]!, [outH, outW], false, true);
      }
    });
    if (passes.length === 1) return passes[0]!;
    return tf.div(tf.addN(passes), passes.length) as tfjs.Tensor4D;
  });
}
