/**
 * A prediction with its uncertainty, for pre-labelling and "label next": the label map at the
 * image's own size (nearest-upsampled from the model's output) and the mean per-pixel entropy
 * of the softmax, in nats, computed at the model's resolution (0 = certain everywhere,
 * ln(classes) = uniform). One tidy per image; nothing is left allocated.
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

export async function predictWithUncertainty(
  model: tfjs.LayersModel,
  manifest: PredictionManifest,
  image: { width: number; height: number; data: Uint8Array },
): Promise<UncertainPrediction> {
  const tf = getTf();
  const size = modelInputSize(model);
  const resized = await resizeRgb(image.data, image.width, image.height, size);
  const sample = { id: 'predict', ...size, image: resized, label: new Uint8Array() };
  const { label, entropy } = tf.tidy(() => {
    const logits = model.predict(
      inputBatch(tf, [sample], size, manifest.normalization),
    ) as tfjs.Tensor4D;
    const logP = tf.logSoftmax(logits, -1);
    const perPixel = tf.neg(tf.sum(tf.mul(tf.exp(logP), logP), -1));
    return {
      label: Uint8Array.from(tf.argMax(logits, -1).dataSync()),
      entropy: tf.mean(perPixel).dataSync()[0] ?? 0,
    };
  });
  return {
    width: image.width,
    height: image.height,
    label: resizeNearest(label, size.width, size.height, image.width, image.height),
    meanEntropy: entropy,
  };
}
