/**
 * `default`: a small CPU-efficient encoder-decoder trained from scratch (ENet/ERFNet-like).
 *
 * Encoder: strided 3x3 conv downsamplers to 1/2, 1/4, 1/8 and 1/16, with depthwise-separable
 * residual blocks at 1/4, 1/8 and 1/16 (5x5 depthwise kernels at 1/16 for a large receptive
 * field; tfjs has no gradients for dilated convs, so depth and downsampling provide context).
 * Decoder: 1x1 projections + bilinear x2 upsampling with additive skips from 1/8 and 1/4 (and,
 * with `decoderStride: 2`, from the stem at 1/2), a residual block at each scale, a 1x1
 * classifier and a bilinear upsample to the input size.
 * BatchNorm + ReLU throughout. Output: logits [B, H, W, numClasses].
 */
import type * as tfjs from '@tensorflow/tfjs';
import { TrainingConfig } from '../../../shared/training/config';
import type { Tf } from '../../native/backend';
import { installFastBatchNorm, installFastRelu } from './fast-bn';
import { installPlainConv } from './plain-conv';
import {
  classifierConv,
  resizeTo,
  spatialShape,
  type LayersModel,
  type SymbolicTensor,
} from './common';
import type { PresetDefinition } from './preset';

export interface DefaultNetOptions {
  readonly width: number;
  readonly height: number;
  readonly numClasses: number;
  /** Channel multiplier (1 = 16/32/64/128 channels at 1/2, 1/4, 1/8, 1/16). */
  readonly widthMultiplier?: number;
  /** Finest decoder scale: 4 (default) or 2 (a stage at 1/2 with a skip from the stem). */
  readonly decoderStride?: 2 | 4;
  /** Use the analytic training-mode BatchNorm (default true); see fast-bn.ts. */
  readonly fastBatchNorm?: boolean;
  /**
   * Xception-style blocks: no BN/ReLU between the depthwise and the pointwise conv (default
   * true). ~25% faster per step on 2 cores and learned at least as well in our checks.
   */
  readonly separableBlocks?: boolean;
}

const BN_MOMENTUM = 0.9;
const BN_EPSILON = 1e-3;

function buildDefaultNet(tf: Tf, opts: DefaultNetOptions): LayersModel {
  const m = opts.widthMultiplier ?? 1;
  const fastBatchNorm = opts.fastBatchNorm ?? true;
  const separable = opts.separableBlocks ?? true;
  const ch = (c: number): number => Math.max(8, Math.round((c * m) / 4) * 4);

  const input = tf.input({ shape: [opts.height, opts.width, 3], name: 'input', dtype: 'float32' });

  const reluLayer = (name: string): tfjs.layers.Layer => {
    const layer = tf.layers.reLU({ name });
    if (fastBatchNorm) installFastRelu(tf, layer);
    return layer;
  };

  const bnRelu = (x: SymbolicTensor, name: string, relu = true): SymbolicTensor => {
    const layer = tf.layers.batchNormalization({
      momentum: BN_MOMENTUM,
      epsilon: BN_EPSILON,
      name: `${name}_bn`,
    });
    if (fastBatchNorm)
      installFastBatchNorm(tf, layer, { momentum: BN_MOMENTUM, epsilon: BN_EPSILON });
    let y = layer.apply(x) as SymbolicTensor;
    if (relu) y = reluLayer(`${name}_relu`).apply(y) as SymbolicTensor;
    return y;
  };

  const conv = (
    x: SymbolicTensor,
    filters: number,
    kernel: number,
    stride: number,
    name: string,
  ): SymbolicTensor => {
    const layer = tf.layers.conv2d({
      filters,
      kernelSize: kernel,
      strides: stride,
      padding: 'same',
      useBias: false,
      kernelInitializer: 'zeros',
      name,
    });
    // The stem reads the image: no gradient is wanted for its input (see plain-conv.ts).
    if (x === input) {
      installPlainConv(tf, layer, {
        strides: [stride, stride],
        padding: 'same',
        dilationRate: [1, 1],
      });
    }
    return bnRelu(layer.apply(x) as SymbolicTensor, name);
  };

  /**
   * Depthwise-separable residual block: dw kxk -> 1x1 -> BN -> + x -> ReLU (with
   * `separableBlocks: false`, an extra BN + ReLU after the depthwise conv).
   */
  const block = (x: SymbolicTensor, kernel: number, name: string): SymbolicTensor => {
    const channels = x.shape[3];
    if (typeof channels !== 'number') throw new Error('block: unknown channel count');
    let y = tf.layers
      .depthwiseConv2d({
        kernelSize: kernel,
        padding: 'same',
        useBias: false,
        depthwiseInitializer: 'zeros',
        name: `${name}_dw`,
      })
      .apply(x) as SymbolicTensor;
    if (!separable) y = bnRelu(y, `${name}_dw`);
    y = tf.layers
      .conv2d({
        filters: channels,
        kernelSize: 1,
        useBias: false,
        kernelInitializer: 'zeros',
        name: `${name}_pw`,
      })
      .apply(y) as SymbolicTensor;
    y = bnRelu(y, `${name}_pw`, false);
    y = tf.layers.add({ name: `${name}_add` }).apply([x, y]) as SymbolicTensor;
    return reluLayer(`${name}_out`).apply(y) as SymbolicTensor;
  };

  // Encoder.
  const skip2 = conv(input, ch(16), 3, 2, 'enc1_down'); // 1/2
  let x = conv(skip2, ch(32), 3, 2, 'enc2_down'); // 1/4
  x = block(x, 3, 'enc2_b1');
  const skip4 = block(x, 3, 'enc2_b2');
  x = conv(skip4, ch(64), 3, 2, 'enc3_down'); // 1/8
  x = block(x, 3, 'enc3_b1');
  x = block(x, 3, 'enc3_b2');
  const skip8 = block(x, 3, 'enc3_b3');
  x = conv(skip8, ch(128), 3, 2, 'enc4_down'); // 1/16
  x = block(x, 5, 'enc4_b1');
  x = block(x, 5, 'enc4_b2');
  x = block(x, 5, 'enc4_b3');
  x = block(x, 5, 'enc4_b4');
  // Decoder.
  x = conv(x, ch(64), 1, 1, 'dec8_proj');
  x = resizeTo(tf, x, ...spatialShape(skip8), 'dec8');
  x = tf.layers.add({ name: 'dec8_skip' }).apply([x, skip8]) as SymbolicTensor;
  x = block(x, 3, 'dec8_b1');
  x = conv(x, ch(32), 1, 1, 'dec4_proj');
  x = resizeTo(tf, x, ...spatialShape(skip4), 'dec4');
  x = tf.layers.add({ name: 'dec4_skip' }).apply([x, skip4]) as SymbolicTensor;
  x = block(x, 3, 'dec4_b1');
  if (opts.decoderStride === 2) {
    // Poles and signs are 2-5 px wide at 480x360, under one pixel at 1/4: this stage lets the
    // classifier see the stem's 1/2-scale edges before the last upsample.
    x = conv(x, ch(16), 1, 1, 'dec2_proj');
    x = resizeTo(tf, x, ...spatialShape(skip2), 'dec2');
    x = tf.layers.add({ name: 'dec2_skip' }).apply([x, skip2]) as SymbolicTensor;
    x = block(x, 3, 'dec2_b1');
  }
  x = classifierConv(tf, x, opts.numClasses, 'classifier');
  const logits = resizeTo(tf, x, opts.height, opts.width, 'logits');
  return tf.model({ inputs: input, outputs: logits, name: 'segstudio_default' });
}

/**
 * The CPU-efficient encoder-decoder trained from scratch at width 1.5 with a decoder stage at
 * 1/2: poly LR with warmup, AdamW, scale / flip / colour augmentation, inverse-sqrt-frequency
 * class weights, OHEM, an exponential moving average of the weights, validation with a
 * test-time flip and evaluations at three scales.
 *
 * Layout versions: 1 = before the Xception-style separable blocks, 2 = current.
 */
export const defaultPreset: PresetDefinition = {
  name: 'default',
  description:
    'CPU-efficient encoder-decoder trained from scratch, with augmentation and class weights.',
  architectureVersion: 2,
  defaults: TrainingConfig.parse({
    preset: 'default',
    inputSize: { width: 240, height: 240 },
    batchSize: 8,
    epochs: 60,
    // 24/48/96/192 channels (~464k parameters): +3.7 points val mIoU per epoch over 1.0 in
    // screening, for ~1.3x the step time at 240x180 (bench/RESULTS.md, "Default recipe").
    widthMultiplier: 1.5,
    // A decoder stage at 1/2 for poles and signs (bench/RESULTS.md, same section).
    decoderStride: 2,
    optimizer: { lr: 2e-3, weightDecay: 1e-4 },
    schedule: { type: 'poly', warmupSteps: 100, power: 0.9, minLr: 1e-5 },
    augmentation: {
      scale: [0.75, 1.5],
      flip: true,
      colorJitter: { brightness: 0.2, contrast: 0.2, saturation: 0.2 },
    },
    classWeights: 'inverse-sqrt-frequency',
    // OHEM + an average of the weights over the last ~200 steps: 60-minute runs in
    // bench/RESULTS.md ("Recipe and decoder, 60-minute runs").
    loss: { type: 'ohem', ohemThreshold: 0.7, ohemMinKept: 0.05 },
    emaDecay: 0.995,
    // Validate (and keep best) on the mean of each image and its mirror: +1.2 points val
    // mIoU on the best of a 60-minute run for ~2.4 s more per epoch (bench/RESULTS.md,
    // "Test-time flip").
    testTimeFlip: true,
    // Evaluations (not per-epoch validation) also average the network at 1.25x and 1.5x its
    // input size: +0.8 points on the same checkpoint (bench/RESULTS.md, same section).
    testTimeScales: [1, 1.25, 1.5],
    // The first third of the run at half the input size (a step costs ~0.3x): more images per
    // minute while the network learns coarse structure (bench/RESULTS.md, "Low-resolution
    // phase").
    lowResolutionPhase: { fraction: 1 / 3, scale: 0.5 },
    // Per-epoch validation took ~19% of a 60-minute run; at most 10% leaves the rest to
    // steps (bench/RESULTS.md, "Where the hour goes outside the steps").
    validationShare: 0.1,
  }),
  // 480x360 = CamVid's native frames: 61.0% val mIoU vs 56.7% at 240x240 (bench/RESULTS.md).
  inputSizeRule: { pixelBudget: 480 * 360, multiple: 8 },
  init: 'he',
  frozenPrefix: null,
  build: (tf, config, numClasses) =>
    buildDefaultNet(tf, {
      ...config.inputSize,
      numClasses,
      widthMultiplier: config.widthMultiplier,
      decoderStride: config.decoderStride,
    }),
};
