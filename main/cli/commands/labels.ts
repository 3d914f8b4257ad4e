/**
 * `segstudio labels status|export|prelabel|rank PROJECT`: the labels service's operations
 * (main/labels) from the command line, on a project folder made by `project init` or the app.
 */
import path from 'node:path';
import { ExportEncoding } from '../../../shared/contracts/labels';
import { exportLabels } from '../../labels/export';
import { statusOf } from '../../labels/samples';
import { CliError, stringOption, type CliCommand } from '../framework';
import type { ProgressBar } from '../progress';
import { prelabelCommand, rankCommand } from '../labels-model';
import { cliLabels, openCliProject } from '../project-labels';

const USAGE = [
  'labels status PROJECT [--split S] [--json]',
  'labels export PROJECT --out DIR [--encoding dataset|index|palette|colour] [--split S] [--in-place] [--json]',
  'labels prelabel PROJECT --run RUN [--split S] [--json]',
  'labels rank PROJECT --run RUN [--split S] [--json]',
].join('\n       segstudio ');

export const labelsCommand: CliCommand = {
  name: 'labels',
  summary: "A project's edited masks: status, export, pre-label from a run, rank by uncertainty",
  args: 'status|export|prelabel|rank PROJECT',
  notes: USAGE.split('\n       segstudio ').map((l) => `segstudio ${l}`),
  options: {
    split: { type: 'string', value: 'S', description: 'only this split', default: 'every split' },
    out: { type: 'string', value: 'DIR', description: 'export: folder to write' },
    encoding: {
      type: 'string',
      value: 'dataset|index|palette|colour',
      description: 'export: mask encoding of the written masks',
      default: 'dataset',
    },
    'in-place': {
      type: 'boolean',
      description:
        'export: write into the dataset, after copying each original to PROJECT/labels/originals/',
      default: 'off',
    },
    run: {
      type: 'string',
      value: 'RUN',
      description: 'prelabel/rank: run whose best checkpoint predicts',
    },
  },
  allowPositionals: true,
  async run(ctx) {
    const { values, positionals, out } = ctx;
    const [sub, project, ...extra] = positionals;
    if (!sub || !project || extra.length > 0) {
      throw new CliError(
        `expected a subcommand and a PROJECT folder\nusage: segstudio ${USAGE}`,
        2,
      );
    }
    const split = stringOption(values, 'split');
    if (sub === 'prelabel') return prelabelCommand(ctx, project, split);
    if (sub === 'rank') return rankCommand(ctx, project, split);
    if (sub !== 'status' && sub !== 'export') {
      throw new CliError(`unknown subcommand "${sub}"\nusage: segstudio ${USAGE}`, 2);
    }
    const opened = await openCliProject(project, out);
    if (split !== undefined && !(split in opened.index.splits)) {
      const have = Object.keys(opened.index.splits).join(', ');
      throw new CliError(`--split ${split}: the project has no such split (splits: ${have})`, 2);
    }

    if (sub === 'status') {
      const status = statusOf(opened.index, opened.store, split);
      const result = {
        counts: status.counts,
        samples: status.samples.map(({ split: s, id, name, state, edited }) => ({
          split: s,
          id,
          name,
          state,
          edited,
        })),
      };
      out.result(result, () => {
        const c = status.counts;
        const lines = [
          `project   ${opened.projectDir}`,
          `samples   ${status.samples.length}: ${c.unlabeled} unlabeled, ${c.draft} draft, ${c.labeled} labeled, ${c.reviewed} reviewed; ${c.edited} edited`,
        ];
        for (const s of status.samples.filter((x) => x.edited || x.state !== 'labeled')) {
          lines.push(`  ${s.split}/${s.id}  ${s.state}${s.edited ? `  edited (${s.source})` : ''}`);
        }
        return lines.join('\n');
      });
      return 0;
    }

    const encodingArg = stringOption(values, 'encoding') ?? 'dataset';
    const encoding = ExportEncoding.safeParse(encodingArg);
    if (!encoding.success) {
      throw new CliError(
        `--encoding must be one of ${ExportEncoding.options.join(', ')}, got "${encodingArg}"`,
        2,
      );
    }
    const inPlace = values['in-place'] === true;
    const outDir = stringOption(values, 'out');
    if (!outDir && !inPlace) throw new CliError('--out DIR is required (or --in-place)', 2);
    if (outDir && inPlace) throw new CliError('--out and --in-place contradict each other', 2);
    let bar: ProgressBar | undefined;
    const result = await cliLabels(() =>
      exportLabels(opened.index, opened.store, {
        out: outDir ? path.resolve(outDir) : opened.index.descriptor.root,
        encoding: encoding.data,
        ...(split !== undefined && { split }),
        inPlace,
        onProgress: (done, total) => {
          bar ??= out.progress('exporting masks', total, 'masks');
          bar.update(done);
        },
      }),
    ).finally(() => bar?.finish());
    out.result(
      {
        dir: result.dir,
        encoding: encoding.data,
        written: result.written,
        files: result.files.length,
      },
      () => `wrote ${result.written} masks (${encoding.data}) to ${result.dir}`,
    );
    return 0;
  },
};
