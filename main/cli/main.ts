import { appVersion } from '../paths';
import { CliError, Output, commandHelp, parseCommandArgs, type CliCommand } from './framework';
import { cliCommands } from './commands/index';
import { warnIfFallback } from './fallback-warning';

/** Commands that never touch tfjs, so they must not pay for (or warn about) loading it. */
const BACKEND_FREE = new Set(['doctor', 'inspect', 'serve', 'help']);

function usage(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'segstudio — train and debug semantic-segmentation models on the CPU',
    '',
    'usage: segstudio <command> [options]   (every command accepts --json and --help)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'segstudio --version prints the version; segstudio help <command> shows its options.',
  ].join('\n');
}

/**
 * The failure of a command: one stderr line for people and, with --json, the last stdout line
 * `{"error":{"message","code","file"?}}` for scripts. Exit 2 for usage, 1 for failures.
 */
function reportError(name: string, err: CliError, json: boolean): number {
  process.stderr.write(`segstudio ${name}: error: ${err.message}\n`);
  if (json) {
    const error = { message: err.message, code: err.code, ...(err.file && { file: err.file }) };
    process.stdout.write(`${JSON.stringify({ error })}\n`);
  }
  return err.exitCode;
}

export async function runCli(
  argv: string[],
  commands: readonly CliCommand[] = cliCommands,
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(`${usage(commands)}\n`);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${appVersion()}\n`);
    return 0;
  }
  if (name === 'help') {
    const target = commands.find((c) => c.name === rest[0]);
    process.stdout.write(`${target ? commandHelp(target) : usage(commands)}\n`);
    return 0;
  }
  // Known before parsing, so a usage error of a --json call is JSON too.
  const json = rest.includes('--json');
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`segstudio: unknown command "${name}"\n\n${usage(commands)}\n`);
    if (json) {
      const error = { message: `unknown command "${name}"`, code: 'usage' };
      process.stdout.write(`${JSON.stringify({ error })}\n`);
    }
    return 2;
  }
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values['help']) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    const out = new Output(values['json'] === true);
    if (!BACKEND_FREE.has(command.name)) warnIfFallback(out);
    return await command.run({ values, positionals, out });
  } catch (err) {
    if (err instanceof CliError) return reportError(command.name, err, json);
    if (!json) throw err;
    // An unexpected failure still ends a --json call with its JSON line (and the stack on stderr).
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${err instanceof Error ? (err.stack ?? message) : message}\n`);
    return reportError(command.name, new CliError(message, 1, { code: 'internal' }), json);
  }
}
