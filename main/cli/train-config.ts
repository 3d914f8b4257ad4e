/**
 * `segstudio train --config FILE`: TrainingConfig fields from JSON or YAML (a run's run.json is
 * accepted as it is: its `config` is used). The file is a set of overrides, possibly partial,
 * on top of exactly what `segstudio train` uses without it (the preset's defaults, the input
 * size the dataset's images give, time-budget planning); nested sections merge field by field;
 * flags given on the command line win over the file. Errors name the file and the field.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ZodError } from 'zod';
import type {
  InputSize,
  TrainingConfig,
  TrainingConfigOverrides,
} from '../../shared/training/config';
import { PresetName } from '../../shared/training/presets';
import { configFromRequest, type ParsedTrainRequest } from '../training/request';
import { CliError } from './framework';

/** A `--config` file as read: its fields, not yet merged or validated as a whole. */
export interface TrainConfigFile {
  /** As the user gave it on the command line (error messages quote it). */
  readonly file: string;
  readonly path: string;
  readonly overrides: TrainingConfigOverrides;
}

function configError(file: TrainConfigFile | { file: string; path: string }, why: string) {
  return new CliError(`--config ${file.file}: ${why}`, 1, {
    code: 'invalid-config',
    file: file.path,
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads and parses FILE; its preset is checked here because it chooses the defaults. */
export async function readTrainConfigFile(file: string): Promise<TrainConfigFile> {
  const where = { file, path: path.resolve(file) };
  const fail = (why: string): CliError => configError(where, why);
  const text = await readFile(where.path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw fail(err.code === 'ENOENT' ? 'no such file' : `cannot be read (${err.message})`);
  });
  const json = /\.json$/i.test(where.path);
  let raw: unknown;
  try {
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw fail(`is not valid ${json ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]})`);
  }
  // A run.json: { runName, config, ... }; its config is the part that trains.
  const body: unknown =
    isPlainObject(raw) && 'config' in raw && 'runName' in raw ? raw['config'] : (raw ?? {});
  if (!isPlainObject(body)) {
    throw fail('must hold TrainingConfig fields (e.g. `epochs: 20`), not a single value or a list');
  }
  if (body['preset'] !== undefined && !PresetName.safeParse(body['preset']).success) {
    throw fail(
      `field preset: no preset "${String(body['preset'])}" (${PresetName.options.join(', ')})`,
    );
  }
  return { ...where, overrides: body as TrainingConfigOverrides };
}

/**
 * The run's full config: what `segstudio train` would use without a file, with the file's
 * fields on top and then the flags the user gave (`request`; `imageSize` is the train split's
 * typical image size). Throws a CliError naming the file and the first bad or unknown field.
 */
export function resolveTrainConfig(
  request: ParsedTrainRequest,
  imageSize: InputSize | null,
  file: TrainConfigFile | null,
): TrainingConfig {
  if (!file) return configFromRequest(request, imageSize);
  return checkedConfig(file, () => configFromRequest(request, imageSize, file.overrides));
}

/**
 * `build()`'s config (the file's fields merged on whatever the caller starts from), or a
 * CliError naming the file and the first bad or unknown field.
 */
export function checkedConfig(file: TrainConfigFile, build: () => TrainingConfig): TrainingConfig {
  let config: TrainingConfig;
  try {
    config = build();
  } catch (err) {
    if (!(err instanceof ZodError)) throw err;
    const issue = err.issues[0];
    const field = issue?.path.join('.') || '(top level)';
    throw configError(file, `field ${field}: ${issue?.message ?? 'invalid'}`);
  }
  const unknown = unknownField(file.overrides, config);
  if (unknown) {
    const where = unknown.parent ? `the fields of ${unknown.parent} are` : 'the fields are';
    throw configError(
      file,
      `unknown field ${unknown.field} (${where} ${unknown.known.join(', ')})`,
    );
  }
  return config;
}

/**
 * The first field of `given` that the parsed config does not have: the schema strips unknown
 * keys, so every known field (all have defaults) is present in `parsed`, at every depth.
 */
function unknownField(
  given: unknown,
  parsed: unknown,
  prefix = '',
): { field: string; parent: string; known: string[] } | null {
  if (!isPlainObject(given) || !isPlainObject(parsed)) return null;
  for (const [key, value] of Object.entries(given)) {
    const field = prefix ? `${prefix}.${key}` : key;
    if (!Object.hasOwn(parsed, key)) return { field, parent: prefix, known: Object.keys(parsed) };
    const inner = unknownField(value, parsed[key], field);
    if (inner) return inner;
  }
  return null;
}
