/**
 * One ONNX emitter per Layers class: how a layer of a trained model becomes ONNX nodes. The
 * graph runs in ONNX's NCHW layout (Conv, pooling and BatchNormalization are defined on it);
 * the Layers model is NHWC, so channel axes and paddings are mapped here. Adding a layer class
 * is one entry in `LAYER_EMITTERS`; a class without one is refused by name (convert.ts).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { GraphBuilder } from './graph';
import { permute4d, requireWeight, layerWeight } from './weights';

/** What an emitter gets for one application of a layer. */
export interface LayerCall {
  readonly g: GraphBuilder;
  readonly layer: tfjs.layers.Layer;
  readonly config: Record<string, unknown>;
  /** ONNX names of the inputs (NCHW). */
  readonly inputs: readonly string[];
  /** Static NHWC shapes of the inputs, batch first (null). */
  readonly inputShapes: readonly (readonly (number | null)[])[];
}

/** Emits the nodes of one layer call and returns the ONNX name of its output. */
export type LayerEmitter = (call: LayerCall) => string;

function first(call: LayerCall): string {
  const x = call.inputs[0];
  if (x === undefined) throw new Error(`layer ${call.layer.name} has no input`);
  return x;
}

/** [height, width] of input `i`. */
function spatial(call: LayerCall, i = 0): [number, number] {
  const [, h, w] = call.inputShapes[i] ?? [];
  if (typeof h !== 'number' || typeof w !== 'number') {
    throw new Error(`layer ${call.layer.name}: the input needs a static height and width`);
  }
  return [h, w];
}

function pair(value: unknown, what: string, call: LayerCall): [number, number] {
  const v = Array.isArray(value) ? value : [value, value];
  const [a, b] = v as unknown[];
  if (typeof a !== 'number' || typeof b !== 'number') {
    throw new Error(`layer ${call.layer.name}: cannot read ${what} ${JSON.stringify(value)}`);
  }
  return [a, b];
}

function assertChannelsLast(call: LayerCall): void {
  const format = call.config['dataFormat'];
  if (format !== undefined && format !== 'channelsLast') {
    throw new Error(`layer ${call.layer.name}: data format ${String(format)} is not supported`);
  }
}

/**
 * ONNX `pads` ([top, left, bottom, right]) for a window of `kernel` (dilated) and `strides`
 * over `size`, as TensorFlow computes them: 'valid' none, 'same' the total needed for
 * ceil(size / stride) outputs, the odd pixel at the bottom/right.
 */
function windowPads(
  call: LayerCall,
  size: [number, number],
  kernel: [number, number],
  strides: [number, number],
  dilation: [number, number] = [1, 1],
): number[] {
  const padding = call.config['padding'];
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding !== 'same') {
    throw new Error(`layer ${call.layer.name}: padding "${String(padding)}" is not supported`);
  }
  const total = [0, 1].map((i) => {
    const out = Math.ceil(size[i]! / strides[i]!);
    return Math.max((out - 1) * strides[i]! + (kernel[i]! - 1) * dilation[i]! + 1 - size[i]!, 0);
  }) as [number, number];
  const begin = total.map((t) => Math.floor(t / 2));
  return [begin[0]!, begin[1]!, total[0] - begin[0]!, total[1] - begin[1]!];
}

/** A Layers activation by name (fused into Conv2D/DepthwiseConv2D or an Activation layer). */
function activation(g: GraphBuilder, x: string, name: unknown, base: string): string {
  switch (name ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return g.node('Relu', [x], `${base}_relu`);
    case 'relu6':
      return g.node(
        'Clip',
        [
          x,
          g.float(`${base}_min`, [], new Float32Array([0])),
          g.float(`${base}_max`, [], new Float32Array([6])),
        ],
        `${base}_relu6`,
      );
    case 'sigmoid':
      return g.node('Sigmoid', [x], `${base}_sigmoid`);
    case 'tanh':
      return g.node('Tanh', [x], `${base}_tanh`);
    case 'softmax':
      return g.node('Softmax', [x], `${base}_softmax`, { axis: 1 });
    default:
      throw new Error(`activation "${String(name)}" of layer ${base} has no ONNX export`);
  }
}

/** Conv2D and DepthwiseConv2D: ONNX Conv (grouped for depthwise), explicit TF-style pads. */
function convolution(call: LayerCall, depthwise: boolean): string {
  assertChannelsLast(call);
  const { g, layer, config } = call;
  const kernel = requireWeight(layer, depthwise ? 'depthwise_kernel' : 'kernel');
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  // Layers [kh, kw, in, out]; depthwise [kh, kw, in, multiplier] whose output channel c*m + k
  // is group c's k-th filter, which is ONNX's grouped [in * m, 1, kh, kw] order.
  const w = depthwise
    ? { shape: [cin * cout, 1, kh, kw], data: permute4d(kernel, [2, 3, 0, 1]).data }
    : permute4d(kernel, [3, 2, 0, 1]);
  const strides = pair(config['strides'], 'strides', call);
  const dilations = pair(config['dilationRate'] ?? 1, 'dilation rate', call);
  const inputs = [first(call), g.float(`${layer.name}/W`, w.shape, w.data)];
  const bias = config['useBias'] === false ? null : layerWeight(layer, 'bias');
  if (bias) inputs.push(g.float(`${layer.name}/B`, bias.shape, bias.data));
  const y = g.node('Conv', inputs, layer.name, {
    kernel_shape: [kh, kw],
    strides,
    dilations,
    pads: windowPads(call, spatial(call), [kh, kw], strides, dilations),
    group: depthwise ? cin : 1,
  });
  return activation(g, y, config['activation'], layer.name);
}

function pooling(call: LayerCall, op: 'MaxPool' | 'AveragePool'): string {
  assertChannelsLast(call);
  const kernel = pair(call.config['poolSize'], 'pool size', call);
  const strides = pair(call.config['strides'] ?? kernel, 'strides', call);
  return call.g.node(op, [first(call)], call.layer.name, {
    kernel_shape: kernel,
    strides,
    pads: windowPads(call, spatial(call), kernel, strides),
    // TF averages over the window's pixels inside the image only.
    ...(op === 'AveragePool' && { count_include_pad: 0 }),
  });
}

/** NHWC axis of a Layers merge/normalisation layer -> the NCHW axis. */
function nchwAxis(call: LayerCall, axis: unknown): number {
  const rank = call.inputShapes[0]?.length ?? 4;
  const a = typeof axis === 'number' ? (axis < 0 ? rank + axis : axis) : NaN;
  const mapped = [0, 2, 3, 1][a];
  if (rank !== 4 || mapped === undefined) {
    throw new Error(
      `layer ${call.layer.name}: axis ${String(axis)} of a rank-${rank} input is not supported`,
    );
  }
  return mapped;
}

/** A chain of binary ops over every input (Add, Mul). */
function merge(call: LayerCall, op: 'Add' | 'Mul'): string {
  const [head, ...rest] = call.inputs;
  if (head === undefined || rest.length === 0) {
    throw new Error(`layer ${call.layer.name} needs at least two inputs`);
  }
  return rest.reduce((acc, x) => call.g.node(op, [acc, x], call.layer.name), head);
}

function batchNorm(call: LayerCall): string {
  const { g, layer, config } = call;
  if (nchwAxis(call, config['axis'] ?? -1) !== 1) {
    throw new Error(`layer ${layer.name}: BatchNormalization must normalise the channel axis`);
  }
  const mean = requireWeight(layer, 'moving_mean');
  const variance = requireWeight(layer, 'moving_variance');
  const channels = mean.data.length;
  const gamma = layerWeight(layer, 'gamma')?.data ?? new Float32Array(channels).fill(1);
  const beta = layerWeight(layer, 'beta')?.data ?? new Float32Array(channels);
  const c = [channels];
  return g.node(
    'BatchNormalization',
    [
      first(call),
      g.float(`${layer.name}/scale`, c, gamma),
      g.float(`${layer.name}/B`, c, beta),
      g.float(`${layer.name}/mean`, c, mean.data),
      g.float(`${layer.name}/var`, c, variance.data),
    ],
    layer.name,
    { epsilon: { float: Number(config['epsilon'] ?? 1e-3) } },
  );
}

/** tfjs' UpSampling2D resizes with align_corners = half_pixel_centers = false: src = dst / f. */
function upSampling(call: LayerCall): string {
  assertChannelsLast(call);
  const [fy, fx] = pair(call.config['size'], 'size', call);
  const bilinear = call.config['interpolation'] === 'bilinear';
  const scales = call.g.float(`${call.layer.name}/scales`, [4], new Float32Array([1, 1, fy, fx]));
  return call.g.node('Resize', [first(call), '', scales], call.layer.name, {
    mode: bilinear ? 'linear' : 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    ...(!bilinear && { nearest_mode: 'floor' }),
  });
}

function cropping(call: LayerCall): string {
  assertChannelsLast(call);
  const [[top, bottom], [left, right]] = call.config['cropping'] as [
    [number, number],
    [number, number],
  ];
  const [h, w] = spatial(call);
  const { g, layer } = call;
  return g.node(
    'Slice',
    [
      first(call),
      g.int64s(`${layer.name}/starts`, [top, left]),
      g.int64s(`${layer.name}/ends`, [h - bottom, w - right]),
      g.int64s(`${layer.name}/axes`, [2, 3]),
    ],
    layer.name,
  );
}

function zeroPadding(call: LayerCall): string {
  assertChannelsLast(call);
  const [[top, bottom], [left, right]] = call.config['padding'] as [
    [number, number],
    [number, number],
  ];
  const { g, layer } = call;
  const pads = g.int64s(`${layer.name}/pads`, [0, 0, top, left, 0, 0, bottom, right]);
  return g.node('Pad', [first(call), pads], layer.name, { mode: 'constant' });
}

function relu(call: LayerCall): string {
  const max = call.config['maxValue'];
  if (typeof max !== 'number') return call.g.node('Relu', [first(call)], call.layer.name);
  const { g, layer } = call;
  const lo = g.float(`${layer.name}/min`, [], new Float32Array([0]));
  const hi = g.float(`${layer.name}/max`, [], new Float32Array([max]));
  return g.node('Clip', [first(call), lo, hi], layer.name);
}

/** Layers class name (`layer.getClassName()`) -> its ONNX emitter. */
export const LAYER_EMITTERS: Readonly<Record<string, LayerEmitter>> = {
  Conv2D: (call) => convolution(call, false),
  DepthwiseConv2D: (call) => convolution(call, true),
  BatchNormalization: batchNorm,
  ReLU: relu,
  LeakyReLU: (call) =>
    call.g.node('LeakyRelu', [first(call)], call.layer.name, {
      alpha: { float: Number(call.config['alpha'] ?? 0.3) },
    }),
  Activation: (call) => activation(call.g, first(call), call.config['activation'], call.layer.name),
  Add: (call) => merge(call, 'Add'),
  Multiply: (call) => merge(call, 'Mul'),
  Concatenate: (call) =>
    call.g.node('Concat', call.inputs, call.layer.name, {
      axis: nchwAxis(call, call.config['axis'] ?? -1),
    }),
  Cropping2D: cropping,
  ZeroPadding2D: zeroPadding,
  UpSampling2D: upSampling,
  MaxPooling2D: (call) => pooling(call, 'MaxPool'),
  AveragePooling2D: (call) => pooling(call, 'AveragePool'),
  // Inference: dropout is the identity.
  Dropout: first,
  SpatialDropout2D: first,
};
