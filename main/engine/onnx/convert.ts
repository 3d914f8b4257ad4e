/**
 * A trained Layers model as an ONNX graph, walked layer by layer in topological order and
 * translated by each layer's class (layers.ts), so a new preset built from supported layers
 * exports without changes here. The graph is NCHW inside; `layout` chooses whether its input
 * and output are NCHW (ONNX/PyTorch convention) or NHWC (as the Layers model), with one
 * Transpose at each end for NHWC. The batch dimension is dynamic, height and width fixed.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { GraphBuilder } from './graph';
import { LAYER_EMITTERS } from './layers';

export type OnnxLayout = 'NCHW' | 'NHWC';

/** Names and shapes of the graph's one input and one output ('batch' is dynamic). */
export interface OnnxSignature {
  readonly input: { readonly name: string; readonly shape: readonly (number | string)[] };
  readonly output: { readonly name: string; readonly shape: readonly (number | string)[] };
}

export interface OnnxGraph extends OnnxSignature {
  readonly bytes: Uint8Array;
  readonly nodes: number;
}

export interface ConvertOptions {
  readonly layout: OnnxLayout;
  readonly producerVersion: string;
  readonly docString: string;
  /** Written into the model's metadata_props (e.g. the segstudio.json text). */
  readonly metadata: Record<string, string>;
  /** After each layer: `done` of `total` layers translated. */
  readonly onLayer?: (done: number, total: number) => void;
}

/** A layer class with no emitter: the message names it and the layer. */
export class UnsupportedLayerError extends Error {
  constructor(
    readonly className: string,
    readonly layerName: string,
  ) {
    super(
      `layer ${layerName} is a ${className}, which the ONNX export does not support (supported: ${Object.keys(LAYER_EMITTERS).join(', ')})`,
    );
    this.name = 'UnsupportedLayerError';
  }
}

function staticNhwc(t: tfjs.SymbolicTensor, what: string): [number, number, number] {
  const [, h, w, c] = t.shape;
  if (
    t.shape.length !== 4 ||
    typeof h !== 'number' ||
    typeof w !== 'number' ||
    typeof c !== 'number'
  ) {
    throw new Error(
      `the model's ${what} must be [batch, height, width, channels], got ${JSON.stringify(t.shape)}`,
    );
  }
  return [h, w, c];
}

const INPUT = 'input';
const OUTPUT = 'logits';
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

/** The single input and output of `model`, rejecting anything else. */
function endsOf(model: tfjs.LayersModel): [tfjs.SymbolicTensor, tfjs.SymbolicTensor] {
  const [input] = model.inputs;
  const [output] = model.outputs;
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || !input || !output) {
    throw new Error(
      `the ONNX export needs one input and one output; the model has ${model.inputs.length} and ${model.outputs.length}`,
    );
  }
  return [input, output];
}

/** The graph's input and output as `layersModelToOnnx` will write them. */
export function onnxSignature(model: tfjs.LayersModel, layout: OnnxLayout): OnnxSignature {
  const [input, output] = endsOf(model);
  const [h, w, c] = staticNhwc(input, 'input');
  const [oh, ow, classes] = staticNhwc(output, 'output');
  const nhwc = layout === 'NHWC';
  return {
    input: { name: INPUT, shape: nhwc ? ['batch', h, w, c] : ['batch', c, h, w] },
    output: { name: OUTPUT, shape: nhwc ? ['batch', oh, ow, classes] : ['batch', classes, oh, ow] },
  };
}

/** Translates `model` (one image input, one NHWC output) into an encoded ONNX model. */
export function layersModelToOnnx(model: tfjs.LayersModel, options: ConvertOptions): OnnxGraph {
  const signature = onnxSignature(model, options.layout);
  const [modelInput, modelOutput] = endsOf(model);
  const g = new GraphBuilder();
  g.fresh(INPUT);
  const output = g.fresh(OUTPUT);
  const nhwc = options.layout === 'NHWC';
  const names = new Map<tfjs.SymbolicTensor, string>([
    [modelInput, nhwc ? g.node('Transpose', [INPUT], 'input_nchw', { perm: TO_NCHW }) : INPUT],
  ]);
  const layers = model.layers;
  layers.forEach((layer, i) => {
    const className = layer.getClassName();
    if (className !== 'InputLayer') {
      const emit = LAYER_EMITTERS[className];
      if (!emit) throw new UnsupportedLayerError(className, layer.name);
      const config = layer.getConfig() as Record<string, unknown>;
      for (const node of layer.inboundNodes) {
        const inputs = node.inputTensors.map((t) => names.get(t));
        // Calls of a shared layer from outside this model are not part of its graph.
        if (inputs.some((n) => n === undefined)) continue;
        const out = emit({
          g,
          layer,
          config,
          inputs: inputs as string[],
          inputShapes: node.inputTensors.map((t) => t.shape),
        });
        const [symbolic] = node.outputTensors;
        if (node.outputTensors.length !== 1 || !symbolic) {
          throw new Error(
            `layer ${layer.name} (${className}) has ${node.outputTensors.length} outputs; the ONNX export needs one`,
          );
        }
        names.set(symbolic, out);
      }
    }
    options.onLayer?.(i + 1, layers.length);
  });
  const last = names.get(modelOutput);
  if (!last) throw new Error("the model's output is not reached from its input");
  if (nhwc) g.nodeInto(output, 'Transpose', [last], { perm: TO_NHWC });
  else g.nodeInto(output, 'Identity', [last]);
  const bytes = g.encode({
    name: model.name,
    ...signature,
    producer: { name: 'Seg Studio', version: options.producerVersion },
    docString: options.docString,
    metadata: options.metadata,
  });
  return { ...signature, bytes, nodes: g.nodeCount };
}
