/**
 * `segstudio labels prelabel|rank PROJECT --run RUN`: loads RUN's best checkpoint (RUN is a
 * run of the project, `PROJECT/runs/RUN`, or a run folder path) and runs the labelling job
 * of main/training/label-jobs.ts in this process, with a progress bar.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NormalizationConfig } from '../../shared/training/config';
import { prelabel, rank, type LabelModel } from '../training/label-jobs';
import { CliError, stringOption, type CommandContext } from './framework';
import { withModelSource } from './model-source';
import type { ProgressBar } from './progress';
import { cliLabels, openCliProject, type CliProject } from './project-labels';

/** RUN as the project's run of that name, else as a folder. */
export function resolveProjectRun(projectDir: string, run: string): string {
  const inProject = path.join(path.resolve(projectDir), 'runs', run);
  if (existsSync(path.join(inProject, 'run.json'))) return inProject;
  const asPath = path.resolve(run);
  if (existsSync(path.join(asPath, 'run.json'))) return asPath;
  throw new CliError(
    `--run ${run}: no run of that name in ${projectDir}/runs, and no run folder there`,
  );
}

async function withLabelModel<T>(
  ctx: CommandContext,
  projectArg: string,
  split: string | undefined,
  use: (opened: CliProject, model: LabelModel, bar: (d: number, t: number) => void) => Promise<T>,
): Promise<T> {
  const runArg = stringOption(ctx.values, 'run');
  if (!runArg) throw new CliError('--run RUN is required', 2);
  const opened = await openCliProject(projectArg, ctx.out);
  if (split !== undefined && !(split in opened.index.splits)) {
    throw new CliError(`--split ${split}: the project has no such split`, 2);
  }
  const runDir = resolveProjectRun(projectArg, runArg);
  let progress: ProgressBar | undefined;
  try {
    return await withModelSource(runDir, { from: 'best' }, ctx.out, (source) => {
      const model: LabelModel = {
        model: source.model,
        manifest: {
          classes: source.fields.classes,
          maskEncoding: source.fields.maskEncoding ?? 'index',
          ...(source.fields.rgbMapping && { rgbMapping: source.fields.rgbMapping }),
          normalization: NormalizationConfig.parse(source.fields.normalization),
        },
        tag: `prediction:${path.basename(runDir)}@${source.checkpoint ?? 'best'}`,
      };
      return cliLabels(() =>
        use(opened, model, (done, total) => {
          progress ??= ctx.out.progress('predicting', total, 'images');
          progress.update(done);
        }),
      );
    });
  } finally {
    progress?.finish();
  }
}

export async function prelabelCommand(
  ctx: CommandContext,
  project: string,
  split: string | undefined,
): Promise<number> {
  const result = await withLabelModel(ctx, project, split, (opened, model, onProgress) =>
    prelabel(opened.index, opened.store, model, { ...(split && { split }), onProgress }),
  );
  ctx.out.result(
    result,
    () =>
      `drafted ${result.drafted} samples; left ${result.skipped} alone (labelled by a person or from the dataset)`,
  );
  return 0;
}

export async function rankCommand(
  ctx: CommandContext,
  project: string,
  split: string | undefined,
): Promise<number> {
  const ranked = await withLabelModel(ctx, project, split, (opened, model, onProgress) =>
    rank(opened.index, opened.store, model, { ...(split && { split }), onProgress }),
  );
  ctx.out.result({ samples: ranked }, () =>
    ranked.length === 0
      ? 'no unlabeled or draft samples to rank'
      : ranked
          .map(
            (r, i) =>
              `${String(i + 1).padStart(4)}  ${r.entropy.toFixed(4)}  ${r.split}/${r.id}  ${r.state}`,
          )
          .join('\n'),
  );
  return 0;
}
