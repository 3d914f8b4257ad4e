/**
 * The first convolution of a network, trained without the gradient nobody asked for.
 *
 * tfjs-layers runs every Conv2D through `tf.fused.conv2d`, whose gradient always computes the
 * input's gradient as well as the kernel's, even when the input is the image batch: at 480x360,
 * batch 8, that is one Conv2DBackpropInput over the full-resolution map per step (~30 ms) whose
 * result is thrown away. `tf.conv2d` runs the same Conv2D kernel, and its gradient lets the tape
 * skip inputs no variable depends on. The layer stays a standard Conv2D (same weights, same
 * saved topology) and inference is untouched; only training-mode calls take the plain op.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../../native/backend';

type CallFn = (
  inputs: tfjs.Tensor | tfjs.Tensor[],
  kwargs: Record<string, unknown>,
) => tfjs.Tensor | tfjs.Tensor[];

interface PlainConvConfig {
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  readonly dilationRate: [number, number];
}

/**
 * Makes training-mode calls of `layer` (a Conv2D without bias or activation, channels last)
 * one `tf.conv2d`. Throws if the layer is anything else, since the result would differ.
 */
export function installPlainConv(tf: Tf, layer: tfjs.layers.Layer, cfg: PlainConvConfig): void {
  const config = layer.getConfig();
  if (
    layer.getClassName() !== 'Conv2D' ||
    config['useBias'] !== false ||
    config['activation'] !== 'linear' ||
    config['dataFormat'] !== 'channelsLast'
  ) {
    throw new Error(`installPlainConv(${layer.name}): needs a Conv2D without bias or activation`);
  }
  const target = layer as unknown as { call: CallFn };
  const original: CallFn = target.call.bind(layer);
  target.call = (inputs, kwargs) => {
    if (kwargs['training'] !== true) return original(inputs, kwargs);
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tfjs.Tensor4D;
    const kernel = layer.trainableWeights[0]!.read() as tfjs.Tensor4D;
    return tf.conv2d(x, kernel, cfg.strides, cfg.padding, 'NHWC', cfg.dilationRate);
  };
}
