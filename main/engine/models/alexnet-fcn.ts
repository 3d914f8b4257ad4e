/**
 * `seed-alexnet-fcn`: torchvision `alexnet().features` (conv 11x11/4 64 -> maxpool 3/2 ->
 * conv 5x5 192 -> maxpool 3/2 -> conv 3x3 384 -> 256 -> 256 -> maxpool 3/2, ReLUs) followed by
 * a 1x1 conv to the classes (`conv_to101` in the seed) and a bilinear upsample to the input
 * with PyTorch `align_corners=False` semantics (see `resizeHalfPixel`).
 *
 * Torch's explicit conv padding is reproduced with ZeroPadding2D + 'valid' convs so shapes and
 * weights line up 1:1 with the PyTorch module. Layers carrying weights are named after the
 * PyTorch module path (`features.0`, ..., `conv_to101`).
 *
 * Minimum input: 63 px per side (the last max-pool needs a 3x3 map).
 */
import { TrainingConfig } from '../../../shared/training/config';
import type { Tf } from '../../native/backend';
import { classifierConv, resizeHalfPixel, type LayersModel, type SymbolicTensor } from './common';
import type { PresetDefinition } from './preset';

interface ConvSpec {
  readonly index: number;
  readonly filters: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
  /** Max-pool index that follows this conv (after its ReLU), if any. */
  readonly poolAfter?: number;
}

const FEATURE_CONVS: readonly ConvSpec[] = [
  { index: 0, filters: 64, kernel: 11, stride: 4, pad: 2, poolAfter: 2 },
  { index: 3, filters: 192, kernel: 5, stride: 1, pad: 2, poolAfter: 5 },
  { index: 6, filters: 384, kernel: 3, stride: 1, pad: 1 },
  { index: 8, filters: 256, kernel: 3, stride: 1, pad: 1 },
  { index: 10, filters: 256, kernel: 3, stride: 1, pad: 1, poolAfter: 12 },
];

const ALEXNET_FEATURE_PREFIX = 'features.';
const ALEXNET_CLASSIFIER = 'conv_to101';
const ALEXNET_MIN_INPUT = 63;

function buildAlexnetFcn(
  tf: Tf,
  opts: { readonly width: number; readonly height: number; readonly numClasses: number },
): LayersModel {
  if (opts.width < ALEXNET_MIN_INPUT || opts.height < ALEXNET_MIN_INPUT) {
    throw new Error(
      `seed-alexnet-fcn needs an input of at least ${ALEXNET_MIN_INPUT}x${ALEXNET_MIN_INPUT}, got ${opts.width}x${opts.height}`,
    );
  }
  const input = tf.input({ shape: [opts.height, opts.width, 3], name: 'input', dtype: 'float32' });
  let x: SymbolicTensor = input;
  for (const c of FEATURE_CONVS) {
    const name = `${ALEXNET_FEATURE_PREFIX}${c.index}`;
    x = tf.layers.zeroPadding2d({ padding: c.pad, name: `${name}_pad` }).apply(x) as SymbolicTensor;
    x = tf.layers
      .conv2d({
        filters: c.filters,
        kernelSize: c.kernel,
        strides: c.stride,
        padding: 'valid',
        activation: 'relu',
        kernelInitializer: 'zeros',
        name,
      })
      .apply(x) as SymbolicTensor;
    if (c.poolAfter !== undefined) {
      x = tf.layers
        .maxPooling2d({
          poolSize: 3,
          strides: 2,
          padding: 'valid',
          name: `${ALEXNET_FEATURE_PREFIX}${c.poolAfter}`,
        })
        .apply(x) as SymbolicTensor;
    }
  }
  x = classifierConv(tf, x, opts.numClasses, ALEXNET_CLASSIFIER);
  const logits = resizeHalfPixel(tf, x, opts.height, opts.width, 'logits');
  return tf.model({ inputs: input, outputs: logits, name: 'seed_alexnet_fcn' });
}

/**
 * The seed project's setup: 240x240, batch 16, Adam 1e-4, constant LR, no augmentation beyond
 * flips, PyTorch default init; `freezeFeatures` keeps the AlexNet features fixed.
 */
export const seedAlexnetFcnPreset: PresetDefinition = {
  name: 'seed-alexnet-fcn',
  description:
    'The seed project: AlexNet features, 1x1 conv to the classes, bilinear upsample (240x240, batch 16, Adam 1e-4).',
  architectureVersion: 1,
  defaults: TrainingConfig.parse({
    preset: 'seed-alexnet-fcn',
    inputSize: { width: 240, height: 240 },
    batchSize: 16,
    epochs: 30,
    optimizer: { lr: 1e-4 },
    schedule: { type: 'constant' },
    augmentation: { scale: [1, 1], flip: true },
    classWeights: 'none',
    freezeFeatures: false,
  }),
  init: 'torch-default',
  // The seed's FCN trains at the seed's 240x240, as its converted weights expect.
  inputSizeRule: null,
  frozenPrefix: ALEXNET_FEATURE_PREFIX,
  build: (tf, config, numClasses) => buildAlexnetFcn(tf, { ...config.inputSize, numClasses }),
};

export interface PytorchWeightMapping {
  /** tfjs weight name (LayerVariable.originalName), e.g. `features.0/kernel`. */
  readonly tfjsName: string;
  /**
   * Permutation to apply to the PyTorch tensor to get the tfjs layout, or null for a plain
   * copy. Conv weights are [out, in, kh, kw] in PyTorch and [kh, kw, in, out] in tfjs: [2,3,1,0].
   */
  readonly transpose: readonly number[] | null;
  readonly pytorchShape: readonly number[];
  readonly tfjsShape: readonly number[];
}

/**
 * Mapping from the seed's PyTorch state_dict keys (`features.0.weight`, ..., `conv_to101.bias`)
 * to tfjs weight names and the needed transpose. For the importer of the seed's `.pt` files.
 */
export function alexnetFcnPytorchMapping(numClasses: number): Record<string, PytorchWeightMapping> {
  const out: Record<string, PytorchWeightMapping> = {};
  let inChannels = 3;
  const add = (module: string, cin: number, cout: number, k: number): void => {
    out[`${module}.weight`] = {
      tfjsName: `${module}/kernel`,
      transpose: [2, 3, 1, 0],
      pytorchShape: [cout, cin, k, k],
      tfjsShape: [k, k, cin, cout],
    };
    out[`${module}.bias`] = {
      tfjsName: `${module}/bias`,
      transpose: null,
      pytorchShape: [cout],
      tfjsShape: [cout],
    };
  };
  for (const c of FEATURE_CONVS) {
    add(`${ALEXNET_FEATURE_PREFIX}${c.index}`, inChannels, c.filters, c.kernel);
    inChannels = c.filters;
  }
  add(ALEXNET_CLASSIFIER, inChannels, numClasses, 1);
  return out;
}
