import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ProgressBar, type ProgressStream } from './progress';

/** What a `--json` error's `code` says: `usage` (exit 2) or `failed` (exit 1) unless a command is more precise. */
export interface CliErrorDetail {
  /** A stable word scripts can branch on (`usage`, `failed`, `not-found`, `problems`...). */
  readonly code?: string;
  /** The file or folder the error is about, when there is one. */
  readonly file?: string;
}

/** A failure the user can fix (bad flag, missing file): printed without a stack trace. */
export class CliError extends Error {
  readonly code: string;
  readonly file: string | undefined;

  constructor(
    message: string,
    readonly exitCode = 1,
    detail: CliErrorDetail = {},
  ) {
    super(message);
    this.name = 'CliError';
    this.code = detail.code ?? (exitCode === 2 ? 'usage' : 'failed');
    this.file = detail.file;
  }
}

/** One option of a command: the parser reads `type`/`short`/`multiple`, help reads the rest. */
export interface CliOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's placeholder in usage and help (`DIR`, `WxH`); string options only. */
  readonly value?: string;
  /** One line for `segstudio help NAME`. */
  readonly description: string;
  /** What applies when the option is absent, in words (`val`, `the preset's size`); omit for "not set". */
  readonly default?: string;
}

export type OptionSpec = Readonly<Record<string, CliOption>>;

export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** The positional part of the usage line (`RUN|MODEL_DIR`, `status|export PROJECT`); usage adds the options. */
  readonly args?: string;
  /** Extra help paragraphs below the options (how things combine), one string per line. */
  readonly notes?: readonly string[];
  readonly options: OptionSpec;
  readonly allowPositionals?: boolean;
  /** Resolves to the process exit code. */
  run(ctx: CommandContext): Promise<number>;
}

export interface CommandContext {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
  readonly out: Output;
}

interface Streams {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
}

/**
 * Output convention for every command: human text by default; with --json, human text goes
 * to stderr and stdout's last line is one JSON object, so scripts can `tail -1 | jq`.
 */
export class Output {
  private readonly warned = new Set<string>();

  constructor(
    readonly json: boolean,
    private readonly streams: Streams = { stdout: process.stdout, stderr: process.stderr },
  ) {}

  /** Human-readable line (stderr in --json mode). */
  info(line: string): void {
    (this.json ? this.streams.stderr : this.streams.stdout).write(`${line}\n`);
  }

  /**
   * One stderr line per distinct warning: the runner and a command may both warn about the
   * same thing (the pure-JS fallback). Lines that already say WARNING keep their own prefix.
   */
  warn(line: string): void {
    if (this.warned.has(line)) return;
    this.warned.add(line);
    this.streams.stderr.write(/^warning\b/i.test(line) ? `${line}\n` : `warning: ${line}\n`);
  }

  progress(label: string, total: number, unit?: string): ProgressBar {
    return new ProgressBar({ label, total, unit, stream: this.streams.stderr });
  }

  /** The command's result: JSON line with --json, else the human rendering. */
  result(value: unknown, human: () => string): void {
    if (this.json) this.streams.stdout.write(`${JSON.stringify(value)}\n`);
    else this.streams.stdout.write(`${human()}\n`);
  }
}

/** Options every command accepts; the parser and help both read this. */
export const COMMON_OPTIONS: OptionSpec = {
  json: {
    type: 'boolean',
    description: 'print one JSON object as the last stdout line (errors too: {"error":{...}})',
  },
  help: { type: 'boolean', short: 'h', description: 'show this help and exit' },
};

/** The parser's view of the specs: the same object help is generated from, minus the words. */
function parserOptions(options: OptionSpec): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(options).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short && { short: o.short }), ...(o.multiple && { multiple: true }) },
    ]),
  );
}

/** `segstudio NAME ARGS [--opt VALUE]...`, generated from the option specs. */
export function usageOf(command: CliCommand): string {
  const opts = Object.entries(command.options).map(
    ([name, o]) => `[--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}]`,
  );
  return [command.name, command.args, ...opts, '[--json]'].filter(Boolean).join(' ');
}

/** The full help of one command: usage, summary, every option with its description and default. */
export function commandHelp(command: CliCommand): string {
  const all = { ...command.options, ...COMMON_OPTIONS };
  const left = Object.entries(all).map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : '    ';
    return `  ${short}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  });
  const width = Math.max(...left.map((l) => l.length));
  const rows = Object.values(all).map((o, i) => {
    const dflt = ` (default: ${o.default ?? (o.type === 'boolean' ? 'off' : 'not set')})`;
    return `${(left[i] ?? '').padEnd(width)}  ${o.description}${dflt}`;
  });
  return [
    `usage: segstudio ${usageOf(command)}`,
    '',
    command.summary,
    '',
    'options:',
    ...rows,
    ...(command.notes && command.notes.length > 0 ? ['', ...command.notes] : []),
  ].join('\n');
}

export function parseCommandArgs(
  command: CliCommand,
  argv: string[],
): { values: CommandContext['values']; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args: argv,
      options: parserOptions({ ...command.options, ...COMMON_OPTIONS }),
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
    return { values: parsed.values as CommandContext['values'], positionals: parsed.positionals };
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nusage: segstudio ${usageOf(command)}`, 2);
  }
}

/** The one positional argument a command takes (a folder, a run...), or a usage error. */
export function singlePositional(command: CliCommand, positionals: string[], what: string): string {
  const [first, ...extra] = positionals;
  if (!first || extra.length > 0) {
    throw new CliError(`expected one ${what}\nusage: segstudio ${usageOf(command)}`, 2);
  }
  return first;
}

export function stringOption(values: CommandContext['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function numberOption(
  values: CommandContext['values'],
  name: string,
  check: { integer?: boolean; min?: number } = {},
): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const ok =
    Number.isFinite(n) &&
    (!check.integer || Number.isInteger(n)) &&
    (check.min === undefined || n >= check.min);
  if (!ok) {
    const kind = check.integer ? 'an integer' : 'a number';
    const min = check.min === undefined ? '' : ` >= ${check.min}`;
    throw new CliError(`--${name} must be ${kind}${min}, got "${raw}"`, 2);
  }
  return n;
}
