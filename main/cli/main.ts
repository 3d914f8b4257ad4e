import { appVersion } from '../paths';
import { CliError, Output, parseCommandArgs, type CliCommand } from './framework';
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

function commandHelp(command: CliCommand): string {
  const lines = [`usage: segstudio ${command.usage}`, '', command.summary, '', 'options:'];
  for (const [name, spec] of Object.entries(command.options)) {
    const short = spec.short ? `-${spec.short}, ` : '    ';
    lines.push(`  ${short}--${name}${spec.type === 'string' ? ' VALUE' : ''}`);
  }
  lines.push('      --json   print one JSON object as the last stdout line');
  return lines.join('\n');
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
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`segstudio: unknown command "${name}"\n\n${usage(commands)}\n`);
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
    if (err instanceof CliError) {
      process.stderr.write(`segstudio ${command.name}: error: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
