/**
 * `segstudio train --config FILE`: a TrainingConfig from JSON or YAML (a run's run.json is
 * accepted as it is: its `config` is used), validated by the same zod schema the worker uses,
 * with errors that name the file and the field. Flags given on the command line win.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TrainingConfig } from '../../shared/training/config';
import type { ParsedTrainRequest } from '../training/request';
import { CliError } from './framework';

export async function readTrainConfigFile(file: string): Promise<TrainingConfig> {
  const where = path.resolve(file);
  const fail = (why: string): CliError =>
    new CliError(`--config ${file}: ${why}`, 1, { code: 'invalid-config', file: where });
  const text = await readFile(where, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw fail(err.code === 'ENOENT' ? 'no such file' : `cannot be read (${err.message})`);
  });
  let raw: unknown;
  try {
    raw = /\.json$/i.test(where) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw fail(
      `is not valid ${/\.json$/i.test(where) ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]})`,
    );
  }
  // A run.json: { runName, config, ... }; its config is the part that trains.
  const isRunFile = typeof raw === 'object' && raw !== null && 'config' in raw && 'runName' in raw;
  const body = isRunFile ? (raw as { config: unknown }).config : raw;
  const parsed = TrainingConfig.strict().safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || (issue && 'keys' in issue ? String(issue.keys) : '');
    throw fail(`field ${field || '(top level)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The file's config with every flag the user actually gave applied on top. */
export function applyTrainFlags(
  config: TrainingConfig,
  request: ParsedTrainRequest,
  presetFlag: boolean,
): TrainingConfig {
  return TrainingConfig.parse({
    ...config,
    ...(presetFlag && { preset: request.preset }),
    ...((request.width !== undefined || request.height !== undefined) && {
      inputSize: {
        width: request.width ?? config.inputSize.width,
        height: request.height ?? config.inputSize.height,
      },
    }),
    ...(request.batch !== undefined && { batchSize: request.batch }),
    ...(request.epochs !== undefined && { epochs: request.epochs }),
    ...(request.lr !== undefined && { optimizer: { ...config.optimizer, lr: request.lr } }),
    ...(request.seed !== undefined && { seed: request.seed }),
    ...(request.checkpointEveryMinutes !== undefined && {
      checkpointEveryMinutes: request.checkpointEveryMinutes,
    }),
    ...(request.timeBudgetSeconds !== undefined && {
      timeBudgetSeconds: request.timeBudgetSeconds,
      ...(request.epochs === undefined && { epochs: 100_000 }),
    }),
  });
}
