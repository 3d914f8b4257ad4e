/** Option specs and parsers shared by several segstudio commands. */
import { existsSync } from 'node:fs';
import { CheckpointKind, type SplitCounts } from '../../shared/contracts/common';
import { DatasetFormat, unknownFormatMessage } from '../../shared/dataset/formats';
import { countsOf, type SplitIndex } from '../dataset/index';
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

/**
 * `--format F` and `--labels FILE` of the commands that open a dataset folder as it lies
 * (inspect, project init); `labels` describes the class list file in that command's help.
 */
export function datasetLayoutOptions(labels: string) {
  return {
    format: {
      type: 'string',
      value: 'F',
      description: 'dataset layout instead of detecting it',
      default: 'detected',
    },
    labels: { type: 'string', value: 'FILE', description: labels, default: "the format's own" },
  } as const satisfies OptionSpec;
}

/** What `--format` and `--labels` ask `openDataset` for: nothing given is detection. */
export interface DatasetLayout {
  readonly format?: DatasetFormat;
  readonly labelsFile?: string;
}

/** Reads them: an unknown format is a usage error (exit 2), a missing labels file a failure. */
export function datasetLayoutOf(values: CommandContext['values']): DatasetLayout {
  const formatArg = stringOption(values, 'format');
  const format = formatArg === undefined ? undefined : DatasetFormat.safeParse(formatArg);
  if (format && !format.success) {
    throw new CliError(`--format ${unknownFormatMessage(formatArg ?? '')}`, 2);
  }
  const labelsFile = stringOption(values, 'labels');
  if (labelsFile && !existsSync(labelsFile)) {
    throw new CliError(`labels file ${labelsFile} does not exist`);
  }
  return { ...(format?.success && { format: format.data }), ...(labelsFile && { labelsFile }) };
}

/** Listed, usable and unlabeled samples per split, the table inspect and project init report. */
export function splitCounts(
  splits: Readonly<Record<string, SplitIndex>>,
): Record<string, SplitCounts> {
  return Object.fromEntries(Object.entries(splits).map(([name, s]) => [name, countsOf(s)]));
}
