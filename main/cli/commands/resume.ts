import path from 'node:path';
import { CheckpointKind } from '../../../shared/contracts/common';
import { readRunFile, RunFolderError, updateRunFile } from '../../training/run-folder';
import { CliError, numberOption, stringOption, type CliCommand } from '../framework';
import { driveRun } from './train';

export const resumeCommand: CliCommand = {
  name: 'resume',
  summary: 'Continue a paused (or interrupted) run from its last checkpoint',
  usage:
    'resume RUN [--steps N] [--from last|previous|best] [--lr X] [--epochs E] [--json]   (--steps N: pause once the run has N steps in total)',
  options: {
    steps: { type: 'string' },
    from: { type: 'string' },
    lr: { type: 'string' },
    epochs: { type: 'string' },
  },
  allowPositionals: true,
  async run(ctx) {
    const [run, ...extra] = ctx.positionals;
    if (!run || extra.length > 0) {
      throw new CliError(
        'expected exactly one RUN folder\nusage: segstudio resume RUN [--steps N]',
        2,
      );
    }
    const runDir = path.resolve(run);
    let runFile;
    try {
      runFile = await readRunFile(runDir);
    } catch (err) {
      if (err instanceof RunFolderError) throw new CliError(err.message);
      throw err;
    }
    // A new learning rate (e.g. after a divergence) or more epochs apply from here on.
    const lr = numberOption(ctx.values, 'lr', { min: 0 });
    if (lr === 0) throw new CliError('--lr must be greater than 0', 2);
    const epochs = numberOption(ctx.values, 'epochs', { integer: true, min: 1 });
    if (lr !== undefined || epochs !== undefined) {
      const config = runFile.config;
      await updateRunFile(runDir, {
        config: {
          ...config,
          epochs: epochs ?? config.epochs,
          optimizer: { ...config.optimizer, lr: lr ?? config.optimizer.lr },
        },
      });
    }
    const from = CheckpointKind.safeParse(stringOption(ctx.values, 'from') ?? 'last');
    if (!from.success) throw new CliError('--from must be last, previous or best', 2);
    // --steps is the total step count to pause at, as for `train` (not "N more steps").
    const steps = numberOption(ctx.values, 'steps', { integer: true, min: 1 }) ?? null;
    return driveRun(ctx, runDir, { kind: 'resume', from: from.data }, steps);
  },
};
