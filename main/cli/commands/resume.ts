import path from 'node:path';
import { CheckpointKind } from '../../../shared/contracts/common';
import { checkpointDir, verifyCheckpoint } from '../../engine/checkpoint';
import { readRunFile, RunFolderError, updateRunFile } from '../../training/run-folder';
import {
  CliError,
  singlePositional,
  numberOption,
  stringOption,
  type CliCommand,
} from '../framework';
import { driveRun } from './train';

/**
 * The step a resume from `from` continues at: that of the first intact checkpoint in the
 * order the worker tries them (run.json may be ahead of it after a kill). Null if none is.
 */
async function resumeStep(runDir: string, from: CheckpointKind): Promise<number | null> {
  const order: CheckpointKind[] = from === 'last' ? ['last', 'previous', 'best'] : [from];
  for (const slot of order) {
    const verified = await verifyCheckpoint(checkpointDir(runDir, slot));
    if (verified.ok) return verified.manifest.globalStep;
  }
  return null;
}

export const resumeCommand: CliCommand = {
  name: 'resume',
  summary: 'Continue a paused (or interrupted) run from its last checkpoint',
  args: 'RUN',
  options: {
    steps: {
      type: 'string',
      value: 'N',
      description: 'pause once the run has N optimizer steps in total',
      default: 'run to the end',
    },
    from: {
      type: 'string',
      value: 'last|previous|best',
      description: 'checkpoint to continue from',
      default: 'last',
    },
    lr: { type: 'string', value: 'X', description: 'new learning rate', default: "the run's" },
    epochs: {
      type: 'string',
      value: 'E',
      description: 'new total epoch count',
      default: "the run's",
    },
  },
  allowPositionals: true,
  async run(ctx) {
    const run = singlePositional(resumeCommand, ctx.positionals, 'RUN folder');
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
    const at = await resumeStep(runDir, from.data);
    if (steps !== null && at !== null && steps <= at) {
      throw new CliError(
        `--steps is the total to pause at, and ${run} already has ${at} steps: give more than ${at}`,
        2,
      );
    }
    return driveRun(ctx, runDir, { kind: 'resume', from: from.data }, steps);
  },
};
