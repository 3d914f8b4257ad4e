import { exportModel, exportModelArchive } from '../../engine/export';
import { CliError, singlePositional, stringOption, type CliCommand } from '../framework';
import { withModelSource } from '../model-source';
import { MODEL_SOURCE_OPTIONS } from '../options';

export const exportCommand: CliCommand = {
  name: 'export',
  summary:
    'Export a model (run checkpoint, exported model or seed .pt) as TF.js Layers + segstudio.json',
  args: 'RUN|MODEL_DIR|WEIGHTS.pt',
  notes: [
    '--out FILE.zip writes one stored zip archive instead of a folder.',
    "WEIGHTS.pt: the seed project's PyTorch state_dict (features.* + conv_to101.*), converted to",
    'seed-alexnet-fcn; --dataset names its classes and mask encoding, --size sets the input',
    '(default 240x240), --classes checks the class count. Fine-tune it with the exported folder.',
  ],
  options: {
    out: {
      type: 'string',
      value: 'DIR|FILE.zip',
      description: 'folder to write, or FILE.zip for one stored zip archive',
      default: 'required',
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
    const target = stringOption(values, 'out');
    if (!target) throw new CliError('--out DIR (or FILE.zip) is required', 2);
    return withModelSource(location, values, out, async (source) => {
      for (const note of source.notes) out.info(note);
      try {
        const archive = /\.zip$/i.test(target);
        const written = archive
          ? await exportModelArchive(source.model, source.fields, target)
          : await exportModel(source.model, source.fields, target);
        const where = 'dir' in written ? written.dir : written.path;
        const result = {
          source: source.location,
          kind: source.kind,
          checkpoint: source.checkpoint ?? null,
          out: where,
          format: archive ? 'archive' : 'folder',
          bytes: written.bytes,
          preset: written.manifest.preset,
          classes: written.manifest.classes.length,
          input: written.manifest.input,
        };
        out.result(
          result,
          () =>
            `exported ${source.kind} ${source.location} -> ${where} (${(written.bytes / 2 ** 20).toFixed(1)} MiB)`,
        );
        return 0;
      } catch (err) {
        throw new CliError((err as Error).message);
      }
    });
  },
};
