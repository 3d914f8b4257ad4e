/**
 * One native kernel for the upsample + crop pair of a Layers resize (`resizeHalfPixel`).
 *
 * The saved topology stays standard Layers (UpSampling2D by the ceiling factor f, then a
 * Cropping2D), so exported models load anywhere without custom classes. Run as written, that
 * pair writes a map (h + 1) * f tall and wide, copies the window out of it, and does both again
 * backwards: at the seed's x40 with 101 classes each of those is a 372-507 MB pass. The same
 * numbers come out of one ScaleAndTranslate kernel (bilinear, scale f, the crop's offset as a
 * translation) straight to the window, and its gradient out of one ScaleAndTranslateGrad.
 *
 * Why not ResizeBilinear with half_pixel_centers: for even factors (x40 here) the Layers graph
 * samples half an output pixel away from true half-pixel centres (see `resizeHalfPixel`), so a
 * half-pixel kernel would train and predict a different function than the model that is saved
 * and exported. ScaleAndTranslate reproduces the saved graph itself for any factor and offset.
 *
 * The patched UpSampling2D emits the cropped window directly and the patched Cropping2D passes
 * a map that already has the window's size through (a shared-data clone, no copy), in training
 * and in inference. Off on the pure-JS backend and with SEGSTUDIO_NATIVE_KERNELS=0.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../../native/backend';
import { nativeOps } from '../kernels/native';

type CallFn = (
  inputs: tfjs.Tensor | tfjs.Tensor[],
  kwargs: Record<string, unknown>,
) => tfjs.Tensor | tfjs.Tensor[];

export interface UpsampleCropGeometry {
  /** The UpSampling2D factors (rows, columns). */
  readonly factor: readonly [number, number];
  /** Rows and columns the Cropping2D removes at the top and at the left. */
  readonly offset: readonly [number, number];
  /** The Cropping2D's output size (rows, columns). */
  readonly size: readonly [number, number];
}

function one(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
  return (Array.isArray(inputs) ? inputs[0] : inputs)!;
}

/**
 * Replaces the calls of `up` (an UpSampling2D, bilinear) and `crop` (the Cropping2D applied to
 * its output) so that together they are one ScaleAndTranslate with the same result. Does
 * nothing on the pure-JS backend. Call once, before the layers run.
 */
export function installFastUpsampleCrop(
  tf: Tf,
  up: tfjs.layers.Layer,
  crop: tfjs.layers.Layer,
  geometry: UpsampleCropGeometry,
): void {
  const ops = nativeOps(tf);
  if (!ops) return;
  const [fy, fx] = geometry.factor;
  const scale = [fy, fx] as const;
  // UpSampling2D samples row y of its output at input row y / f (top-left aligned); the crop
  // shifts y by `offset`. In ScaleAndTranslate's pixel-centre coordinates output centre y + 0.5
  // reads input (y + 0.5 - t) / f, so t = 0.5 - offset - f / 2 gives (y + offset) / f + 0.5.
  const translation = [
    0.5 - geometry.offset[0] - fy / 2,
    0.5 - geometry.offset[1] - fx / 2,
  ] as const;
  const resample = tf.customGrad((...args: (tfjs.Tensor | tfjs.GradSaveFunc)[]) => {
    const x = args[0] as tfjs.Tensor4D;
    const save = args[1] as tfjs.GradSaveFunc;
    save([x]);
    return {
      value: ops.scaleAndTranslate(x, geometry.size, scale, translation),
      gradFunc: (dy: tfjs.Tensor, saved: tfjs.Tensor[]) =>
        ops.scaleAndTranslateGrad(
          dy as tfjs.Tensor4D,
          saved[0] as tfjs.Tensor4D,
          scale,
          translation,
        ),
    };
  });
  const upTarget = up as unknown as { call: CallFn };
  upTarget.call = (inputs) => resample(one(inputs));
  const cropTarget = crop as unknown as { call: CallFn };
  const originalCrop: CallFn = cropTarget.call.bind(crop);
  cropTarget.call = (inputs, kwargs) => {
    const x = one(inputs);
    if (x.shape[1] === geometry.size[0] && x.shape[2] === geometry.size[1]) return tf.clone(x);
    return originalCrop(inputs, kwargs);
  };
}

/**
 * Makes the gradient of `up` (an UpSampling2D, bilinear, by integer factors) one
 * ScaleAndTranslateGrad instead of tfjs' ResizeBilinearGrad. The forward pass is untouched (the
 * same ResizeBilinear call, bit for bit); the gradient is the same sum to float rounding.
 *
 * Why: libtensorflow's ResizeBilinearGrad runs on one thread. At the default network's x2
 * logits upsample (8 x 180 x 240 x 12 in, 480x360 out) it took 60 ms on 2 cores where
 * ScaleAndTranslateGrad took 14 ms, and the forward ResizeBilinear (20 ms) beat
 * ScaleAndTranslate (34 ms), so each direction keeps its faster kernel (bench/RESULTS.md,
 * "Resize gradients on both cores"). Only for factors of 1 and 2: at 3 and more ScaleAndTranslate
 * leaves the last output row and column out (their kernel reaches past the edge), so larger
 * factors keep tfjs' gradient. Does nothing on the pure-JS backend.
 */
export function installFastUpsampleGrad(tf: Tf, up: tfjs.layers.Layer): void {
  const ops = nativeOps(tf);
  if (!ops) return;
  const target = up as unknown as { call: CallFn; size: readonly number[] };
  const [fy = 1, fx = 1] = target.size;
  if (fy > 2 || fx > 2) return;
  const scale = [fy, fx] as const;
  // UpSampling2D's ResizeBilinear (no half-pixel centres) reads output row y at input row
  // y / f; in ScaleAndTranslate's pixel-centre coordinates that is translation 0.5 - f / 2.
  const translation = [0.5 - fy / 2, 0.5 - fx / 2] as const;
  const original: CallFn = target.call.bind(up);
  const upsample = tf.customGrad((...args: (tfjs.Tensor | tfjs.GradSaveFunc)[]) => {
    const x = args[0] as tfjs.Tensor4D;
    const save = args[1] as tfjs.GradSaveFunc;
    save([x]);
    return {
      value: one(original(x, {})),
      gradFunc: (dy: tfjs.Tensor, saved: tfjs.Tensor[]) =>
        ops.scaleAndTranslateGrad(
          dy as tfjs.Tensor4D,
          saved[0] as tfjs.Tensor4D,
          scale,
          translation,
        ),
    };
  });
  target.call = (inputs) => upsample(one(inputs));
}
