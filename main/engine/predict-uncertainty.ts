/**
 * A prediction with its uncertainty, for pre-labelling, "label next" and the editor's
 * uncertainty overlay: the label map at the image's own size (nearest-upsampled from the
 * model's output), and the per-pixel entropy of the softmax in nats, computed at the model's
 * resolution (0 = certain, ln(classes) = uniform). One tidy per image; nothing is left allocated.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { resizeNearest } from '../dataset/sample-source';
import { getTf } from '../native/backend';
import { modelInputSize } from './evaluate';
import { inputBatch, resizeRgb } from './predict-input';
import type { LabelMap, PredictionManifest } from './predict';

export interface UncertainPrediction extends LabelMap {
  readonly meanEntropy: number;
}

/** Per-pixel entropy at the model's resolution (row-major, `width` x `height`). */
export interface EntropyMap {
  readonly width: number;
  readonly height: number;
  readonly entropy: Float32Array;
  readonly meanEntropy: number;
  /** ln(number of classes): the entropy of a uniform softmax, the map's upper bound. */
  readonly maxEntropy: number;
}

interface Forward {
  readonly size: { width: number; height: number };
  readonly label: Uint8Array;
  readonly entropy: Float32Array;
  readonly mean: number;
  /** Output channels (classes the model scores). */
  readonly channels: number;
}

/** One forward pass: argmax labels and per-pixel entropy, read out inside one tidy. */
async function forward(
  model: tfjs.LayersModel,
  manifest: PredictionManifest,
  image: { width: number; height: number; data: Uint8Array },
): Promise<Forward> {
  const tf = getTf();
  const size = modelInputSize(model);
  const resized = await resizeRgb(image.data, image.width, image.height, size);
  const sample = { id: 'predict', ...size, image: resized, label: new Uint8Array() };
  return tf.tidy(() => {
    const logits = model.predict(
      inputBatch(tf, [sample], size, manifest.normalization),
    ) as tfjs.Tensor4D;
    const logP = tf.logSoftmax(logits, -1);
    const perPixel = tf.neg(tf.sum(tf.mul(tf.exp(logP), logP), -1));
    return {
      size,
      label: Uint8Array.from(tf.argMax(logits, -1).dataSync()),
      entropy: Float32Array.from(perPixel.dataSync()),
      mean: tf.mean(perPixel).dataSync()[0] ?? 0,
      channels: logits.shape[3],
    };
  });
}

export async function predictWithUncertainty(
  model: tfjs.LayersModel,
  manifest: PredictionManifest,
  image: { width: number; height: number; data: Uint8Array },
): Promise<UncertainPrediction> {
  const { size, label, mean } = await forward(model, manifest, image);
  return {
    width: image.width,
    height: image.height,
    label: resizeNearest(label, size.width, size.height, image.width, image.height),
    meanEntropy: mean,
  };
}

/** The softmax entropy of every pixel the model sees (the overlay stretches it over the image). */
export async function entropyMap(
  model: tfjs.LayersModel,
  manifest: PredictionManifest,
  image: { width: number; height: number; data: Uint8Array },
): Promise<EntropyMap> {
  const { size, entropy, mean, channels } = await forward(model, manifest, image);
  return {
    width: size.width,
    height: size.height,
    entropy,
    meanEntropy: mean,
    maxEntropy: Math.log(Math.max(2, channels)),
  };
}
