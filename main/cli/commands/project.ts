/**
 * `segstudio project init`: a project folder for a dataset (as the app's "open dataset"
 * makes it, same code) or for a folder of unlabeled images plus a class list.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { DatasetError, openDataset } from '../../dataset/index';
import { UserFacingError } from '../../ipc/dispatcher';
import { parseClassList } from '../../labels/images-project';
import { LabelStore } from '../../labels/store';
import { statusOf } from '../../labels/samples';
import {
  createProjectFromDataset,
  createProjectFromImages,
  refuseProjectInsideDataset,
} from '../../services/project-create';
import { CliError, numberOption, stringOption, type CliCommand } from '../framework';
import { datasetLayoutOf, datasetLayoutOptions, splitCounts } from '../options';
import type { ProgressBar } from '../progress';
import { cliLabels } from '../project-labels';

const USAGE = [
  'project init DATASET_DIR --project DIR [--format F] [--labels FILE] [--json]',
  'project init IMAGES_DIR --project DIR --classes FILE|a,b,c [--val-fraction F] [--json]',
].join('\n       segstudio ');

export const projectCommand: CliCommand = {
  name: 'project',
  summary: 'Make a project folder for a dataset, or for unlabeled images and a class list',
  args: 'init DATASET_DIR|IMAGES_DIR',
  notes: USAGE.split('\n       segstudio ').map((l) => `segstudio ${l}`),
  options: {
    project: {
      type: 'string',
      value: 'DIR',
      description: 'the project folder to make',
      default: 'required',
    },
    ...datasetLayoutOptions('class list file'),
    classes: {
      type: 'string',
      value: 'FILE|a,b,c',
      description: 'make a project of unlabeled images with these classes (a file or a,b,c)',
    },
    'val-fraction': {
      type: 'string',
      value: 'F',
      description: 'with --classes, share of images put in val',
      default: '0.2',
    },
  },
  allowPositionals: true,
  async run({ values, positionals, out }) {
    const [sub, dirArg, ...extra] = positionals;
    if (sub !== 'init' || !dirArg || extra.length > 0) {
      throw new CliError(`expected: project init DIR --project DIR\nusage: segstudio ${USAGE}`, 2);
    }
    const projectArg = stringOption(values, 'project');
    if (!projectArg)
      throw new CliError('--project DIR (the project folder to make) is required', 2);
    const dir = path.resolve(dirArg);
    if (!existsSync(dir)) throw new CliError(`${dir} does not exist`);
    if (!statSync(dir).isDirectory()) throw new CliError(`${dir} is a file, not a folder`);
    const projectDir = path.resolve(projectArg);
    if (existsSync(path.join(projectDir, 'segstudio-project.json'))) {
      throw new CliError(`${projectDir} already holds a project; open it or choose another folder`);
    }
    try {
      refuseProjectInsideDataset(dir, projectDir);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const classesArg = stringOption(values, 'classes');
    if (classesArg !== undefined) {
      if (values['format'] !== undefined || values['labels'] !== undefined) {
        throw new CliError(
          '--classes makes a project of unlabeled images: drop --format/--labels',
          2,
        );
      }
      const valFraction = numberOption(values, 'val-fraction', { min: 0 }) ?? 0.2;
      if (valFraction >= 1) throw new CliError('--val-fraction must be below 1', 2);
      const classes = await cliLabels(() => parseClassList(classesArg));
      const made = await cliLabels(() =>
        createProjectFromImages({
          imagesDir: dir,
          projectDir,
          classes,
          valFraction,
          labelsSource: existsSync(classesArg) ? path.resolve(classesArg) : 'command line',
        }),
      );
      for (const line of made.skipped) out.warn(`skipped ${line}`);
      const store = await LabelStore.open(projectDir);
      const status = statusOf(made.index.withLabels(store), store);
      out.result(
        { project: projectDir, images: status.samples.length, classes, counts: status.counts },
        () =>
          `project ${projectDir}: ${status.samples.length} unlabeled images, classes ${classes.join(', ')}`,
      );
      return 0;
    }

    const layout = datasetLayoutOf(values);
    let bar: ProgressBar | undefined;
    const made = await createProjectFromDataset({
      datasetDir: dir,
      projectDir,
      ...layout,
      open: (datasetDir, options) =>
        openDataset(datasetDir, {
          ...options,
          onProgress: (done, total) => {
            bar ??= out.progress('checking files', total, 'samples');
            bar.update(done);
          },
        }),
    })
      .catch((err: unknown) => {
        throw err instanceof DatasetError || err instanceof UserFacingError
          ? new CliError(err.message)
          : err;
      })
      .finally(() => bar?.finish());
    const store = await LabelStore.open(projectDir);
    const status = statusOf(made.index.withLabels(store), store);
    const d = made.file.descriptor;
    out.result(
      {
        project: projectDir,
        dataset: d.root,
        format: d.format,
        splits: splitCounts(made.index.splits),
        problems: made.index.problems.length,
        counts: status.counts,
      },
      () =>
        `project ${projectDir}: ${d.format} dataset ${d.root}, ${status.samples.length} samples, ${made.index.problems.length} problems`,
    );
    return 0;
  },
};
