import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ProgressBar, type ProgressStream } from './progress';

/** A failure the user can fix (bad flag, missing file): printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** Usage lines shown by `segstudio help NAME`, without the program name. */
  readonly usage: string;
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

export function parseCommandArgs(
  command: CliCommand,
  argv: string[],
): { values: CommandContext['values']; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args: argv,
      options: {
        ...command.options,
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nusage: segstudio ${command.usage}`, 2);
  }
}

/** The one positional argument a command takes (a folder, a run...), or a usage error. */
export function singlePositional(command: CliCommand, positionals: string[], what: string): string {
  const [first, ...extra] = positionals;
  if (!first || extra.length > 0) {
    throw new CliError(`expected one ${what}\nusage: segstudio ${command.usage}`, 2);
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
