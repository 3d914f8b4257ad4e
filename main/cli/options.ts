/** Option specs and parsers shared by several segstudio commands. */
import { CheckpointKind } from '../../shared/contracts/common';
import { CliError, stringOption, type CommandContext, type OptionSpec } from './framework';

/** `--size WxH` (train, bench, seed .pt sources). */
export function parseSize(raw: string | undefined): { width: number; height: number } | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+)x(\d+)$/i.exec(raw);
  if (!m) throw new CliError(`--size must look like 240x240, got "${raw}"`, 2);
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** `--from best|last|previous` for the model commands; they default to best. */
export function checkpointOption(values: CommandContext['values']): CheckpointKind {
  const raw = stringOption(values, 'from') ?? 'best';
  const parsed = CheckpointKind.safeParse(raw);
  if (!parsed.success) throw new CliError(`--from must be best, last or previous, got "${raw}"`, 2);
  return parsed.data;
}

/**
 * The options of every command that loads a model (eval, export, predict): which checkpoint of a
 * run, and what a seed .pt source needs. `--dataset` stays per command: its meaning differs.
 */
export const MODEL_SOURCE_OPTIONS = {
  from: {
    type: 'string',
    value: 'best|last|previous',
    description: 'which checkpoint of a run to use',
    default: 'best',
  },
  size: {
    type: 'string',
    value: 'WxH',
    description: 'input size of a seed .pt source',
    default: '240x240',
  },
  classes: {
    type: 'string',
    value: 'N',
    description: 'class count a seed .pt source must have',
    default: "the dataset's",
  },
} as const satisfies OptionSpec;
