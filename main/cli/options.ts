import { CheckpointKind } from '../../shared/contracts/common';
import { CliError, stringOption, type CommandContext } from './framework';

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
