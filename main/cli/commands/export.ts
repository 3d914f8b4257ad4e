import { exportModel, exportModelArchive } from '../../engine/export';
import type { OnnxLayout } from '../../engine/onnx/export';
import {
  CliError,
  singlePositional,
  stringOption,
  type CliCommand,
  type CommandContext,
} from '../framework';
import { withModelSource, type ModelSource } from '../model-source';
import { MODEL_SOURCE_OPTIONS } from '../options';

/** What to write, from --format, --layout and --out, checked before any model is loaded. */
function exportTarget(values: CommandContext['values']): {
  readonly target: string;
  readonly format: 'folder' | 'archive' | 'onnx';
  readonly layout: OnnxLayout;
} {
  const target = stringOption(values, 'out');
  if (!target) throw new CliError('--out DIR (or FILE.zip, FILE.onnx) is required', 2);
  const onnxFile = /\.onnx$/i.test(target);
  const format = stringOption(values, 'format') ?? (onnxFile ? 'onnx' : 'layers');
  if (format !== 'layers' && format !== 'onnx') {
    throw new CliError(`--format must be layers or onnx, got "${format}"`, 2);
  }
  if (format === 'onnx' && !onnxFile) {
    throw new CliError(
      `--format onnx writes one file: --out must end in .onnx, got "${target}"`,
      2,
    );
  }
  if (format === 'layers' && onnxFile) {
    throw new CliError(`--out ${target} is an .onnx file: add --format onnx`, 2);
  }
  const rawLayout = stringOption(values, 'layout');
  if (rawLayout !== undefined && format !== 'onnx') {
    throw new CliError('--layout applies to --format onnx only', 2);
  }
  const layout = (rawLayout ?? 'nchw').toUpperCase();
  if (layout !== 'NCHW' && layout !== 'NHWC') {
    throw new CliError(`--layout must be nchw or nhwc, got "${rawLayout}"`, 2);
  }
  if (format === 'onnx') return { target, format, layout };
  return { target, format: /\.zip$/i.test(target) ? 'archive' : 'folder', layout };
}

/** The part of the result that depends on the format. */
type Written = { readonly out: string; readonly bytes: number } & Record<string, unknown>;

async function writeOnnx(
  source: ModelSource,
  target: string,
  layout: OnnxLayout,
  out: CommandContext['out'],
): Promise<Written> {
  // Loaded on use: the protobuf definition is needed by this format only.
  const { exportOnnx } = await import('../../engine/onnx/export');
  const bar = out.progress('export onnx', source.model.layers.length + 3, 'step');
  const written = await exportOnnx(source.model, source.fields, target, {
    layout,
    onProgress: (done) => bar.update(done),
  });
  bar.finish();
  return {
    out: written.path,
    sidecar: written.sidecar,
    format: 'onnx',
    layout,
    opset: written.manifest.onnx?.opset,
    nodes: written.nodes,
    bytes: written.bytes,
    preset: written.manifest.preset,
    classes: written.manifest.classes.length,
    input: written.manifest.input,
  };
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary:
    'Export a model (run checkpoint, exported model or seed .pt) as TF.js Layers + segstudio.json, or as ONNX',
  args: 'RUN|MODEL_DIR|WEIGHTS.pt',
  notes: [
    '--out FILE.zip writes one stored zip archive instead of a folder.',
    '--format onnx --out FILE.onnx writes an ONNX model (opset 17, logits, dynamic batch) and',
    'FILE.segstudio.json beside it (layout, normalisation, classes); --layout nhwc keeps the',
    "Layers model's channels-last input and output.",
    "WEIGHTS.pt: the seed project's PyTorch state_dict (features.* + conv_to101.*), converted to",
    'seed-alexnet-fcn; --dataset names its classes and mask encoding, --size sets the input',
    '(default 240x240), --classes checks the class count. Fine-tune it with the exported folder.',
  ],
  options: {
    out: {
      type: 'string',
      value: 'DIR|FILE.zip|FILE.onnx',
      description: 'folder to write, FILE.zip for one stored zip archive, FILE.onnx for ONNX',
      default: 'required',
    },
    format: {
      type: 'string',
      value: 'layers|onnx',
      description: 'TF.js Layers model, or ONNX (opset 17)',
      default: 'onnx for a .onnx --out, else layers',
    },
    layout: {
      type: 'string',
      value: 'nchw|nhwc',
      description: "ONNX input/output layout: [N,3,H,W]/[N,C,H,W] or the Layers model's [N,H,W,3]",
      default: 'nchw',
    },
    dataset: {
      type: 'string',
      value: 'DIR',
      description: 'dataset naming the classes and mask encoding of a seed .pt',
      default: "the run's own dataset",
    },
    ...MODEL_SOURCE_OPTIONS,
  },
  allowPositionals: true,
  async run({ values, positionals, out }) {
    const location = singlePositional(exportCommand, positionals, 'RUN, MODEL_DIR or WEIGHTS.pt');
    const { target, format, layout } = exportTarget(values);
    return withModelSource(location, values, out, async (source) => {
      for (const note of source.notes) out.info(note);
      try {
        let written: Written;
        if (format === 'onnx') {
          written = await writeOnnx(source, target, layout, out);
        } else {
          const w =
            format === 'archive'
              ? await exportModelArchive(source.model, source.fields, target)
              : await exportModel(source.model, source.fields, target);
          written = {
            out: 'dir' in w ? w.dir : w.path,
            format,
            bytes: w.bytes,
            preset: w.manifest.preset,
            classes: w.manifest.classes.length,
            input: w.manifest.input,
          };
        }
        const result = {
          source: source.location,
          kind: source.kind,
          checkpoint: source.checkpoint ?? null,
          ...written,
        };
        out.result(
          result,
          () =>
            `exported ${source.kind} ${source.location} -> ${written.out} (${(written.bytes / 2 ** 20).toFixed(1)} MiB)`,
        );
        return 0;
      } catch (err) {
        throw new CliError((err as Error).message);
      }
    });
  },
};
