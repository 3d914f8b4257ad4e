/** Model input preparation shared by evaluation and prediction. */
import sharp from 'sharp';
import type * as tfjs from '@tensorflow/tfjs';
import type { NormalizationConfig } from '../../shared/training/config';
import type { DecodedSample } from '../dataset/source';
import type { Tf } from '../native/backend';
import { normalizeImage } from './data';

/** RGB resized exactly as the dataset source does for training (libvips linear, fill). */
export async function resizeRgb(
  image: Uint8Array,
  width: number,
  height: number,
  size: { width: number; height: number },
): Promise<Uint8Array> {
  if (width === size.width && height === size.height) return image;
  // Same resampling as the dataset source the model was trained on (libvips linear, fill).
  const buf = await sharp(image, { raw: { width, height, channels: 3 } })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** Normalised NHWC float batch from samples already at the model's input size. */
export function inputBatch(
  tf: Tf,
  samples: readonly DecodedSample[],
  size: { width: number; height: number },
  norm: NormalizationConfig,
): tfjs.Tensor4D {
  const plane = size.width * size.height * 3;
  const data = new Float32Array(samples.length * plane);
  samples.forEach((s, k) => {
    if (s.width !== size.width || s.height !== size.height) {
      throw new Error(
        `sample ${s.id} is ${s.width}x${s.height}, expected ${size.width}x${size.height}`,
      );
    }
    data.set(normalizeImage(s.image, norm), k * plane);
  });
  return tf.tensor4d(data, [samples.length, size.height, size.width, 3], 'float32');
}
