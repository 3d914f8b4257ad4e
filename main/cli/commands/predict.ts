import { promises as fs } from 'node:fs';
import path from 'node:path';
import { NormalizationConfig } from '../../../shared/training/config';
import { isImageName } from '../../dataset/dir-cache';
import { predictFiles } from '../../engine/predict';
import { MaskEncoding } from '../../../shared/dataset/descriptor';
import { CliError, numberOption, stringOption, usageOf, type CliCommand } from '../framework';
import { withModelSource } from '../model-source';
import { MODEL_SOURCE_OPTIONS } from '../options';

/** IMAGE arguments: files as given, folders expanded to their image files (sorted, flat). */
async function expandImages(args: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    const resolved = path.resolve(arg);
    const stat = await fs.stat(resolved).catch(() => null);
    if (!stat) throw new CliError(`${resolved}: no such image file or folder`);
    if (stat.isDirectory()) {
      const names = (await fs.readdir(resolved)).filter(isImageName).sort();
      if (names.length === 0) throw new CliError(`${resolved}: folder holds no images`);
      files.push(...names.map((n) => path.join(resolved, n)));
    } else {
      files.push(resolved);
    }
  }
  return files;
}

export const predictCommand: CliCommand = {
  name: 'predict',
  summary: 'Predict masks for images: dataset-encoded masks and colour overlays',
  args: 'RUN|MODEL_DIR IMAGE|FOLDER...',
  notes: [
    "Writes OUT/masks/NAME.png in the dataset's own encoding (ids as in its annotations) and",
    'OUT/overlays/NAME.png (image blended with class colours). Input images are only read.',
  ],
  options: {
    out: {
      type: 'string',
      value: 'DIR',
      description: 'folder for masks/ and overlays/',
      default: 'required',
    },
    alpha: {
      type: 'string',
      value: 'A',
      description: 'overlay opacity of the class colours, 0..1',
      default: '0.5',
    },
    encoding: {
      type: 'string',
      value: 'index|palette|rgb',
      description: 'mask encoding of the written masks',
      default: "the dataset's own",
    },
    dataset: {
      type: 'string',
      value: 'DIR',
      description: 'dataset naming the classes of a seed .pt',
      default: "the run's own dataset",
    },
    ...MODEL_SOURCE_OPTIONS,
  },
  allowPositionals: true,
  async run({ values, positionals, out }) {
    const [location, ...images] = positionals;
    if (!location || images.length === 0) {
      throw new CliError(`usage: segstudio ${usageOf(predictCommand)}`, 2);
    }
    const outDir = stringOption(values, 'out');
    if (!outDir) throw new CliError('--out DIR is required', 2);
    const alpha = numberOption(values, 'alpha', { min: 0 }) ?? 0.5;
    if (alpha > 1) throw new CliError(`--alpha must be in [0, 1], got ${alpha}`, 2);
    const encodingRaw = stringOption(values, 'encoding');
    const encoding = encodingRaw === undefined ? undefined : MaskEncoding.safeParse(encodingRaw);
    if (encoding && !encoding.success) {
      throw new CliError(`--encoding must be index, palette or rgb, got "${encodingRaw}"`, 2);
    }
    const files = await expandImages(images);
    return withModelSource(location, values, out, async (source) => {
      for (const note of source.notes) out.info(note);
      const manifest = {
        classes: source.fields.classes,
        maskEncoding: encoding?.data ?? source.fields.maskEncoding ?? 'index',
        ...(source.fields.rgbMapping && { rgbMapping: source.fields.rgbMapping }),
        normalization: NormalizationConfig.parse(source.fields.normalization),
      };
      const bar = out.progress('predict', files.length, 'img');
      const results = await predictFiles(source.model, manifest, files, path.resolve(outDir), {
        alpha,
        onProgress: (done) => bar.update(done),
      }).catch((err: Error) => {
        throw new CliError(err.message);
      });
      bar.finish();
      const result = {
        model: source.location,
        kind: source.kind,
        out: path.resolve(outDir),
        encoding: manifest.maskEncoding,
        images: results.map((r) => ({
          image: r.image,
          mask: r.mask,
          overlay: r.overlay,
          width: r.width,
          height: r.height,
        })),
      };
      out.result(
        result,
        () =>
          `${results.length} masks in ${path.join(result.out, 'masks')}, overlays in ${path.join(result.out, 'overlays')}`,
      );
      return 0;
    });
  },
};
