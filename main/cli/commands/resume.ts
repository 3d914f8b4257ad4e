import path from 'node:path';
import { CheckpointKind } from '../../../shared/contracts/common';
import { readRunFile, RunFolderError } from '../../training/run-folder';
import { CliError, numberOption, stringOption, type CliCommand } from '../framework';
import { driveRun } from './train';

export const resumeCommand: CliCommand = {
  name: 'resume',
  summary: 'Continue a paused (or interrupted) run from its last checkpoint',
  usage:
    'resume RUN [--steps N] [--from last|previous|best] [--json]   (--steps N: pause once the run has N steps in total)',
  options: {
    steps: { type: 'string' },
    from: { type: 'string' },
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
    try {
      await readRunFile(runDir);
    } catch (err) {
      if (err instanceof RunFolderError) throw new CliError(err.message);
      throw err;
    }
    const from = CheckpointKind.safeParse(stringOption(ctx.values, 'from') ?? 'last');
    if (!from.success) throw new CliError('--from must be last, previous or best', 2);
    // --steps is the total step count to pause at, as for `train` (not "N more steps").
    const steps = numberOption(ctx.values, 'steps', { integer: true, min: 1 }) ?? null;
    return driveRun(ctx, runDir, { kind: 'resume', from: from.data }, steps);
  },
};
