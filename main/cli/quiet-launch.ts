/**
 * Quiet start-up (`bin/segstudio.cjs` -> out/main/cli-launcher.cjs): runs the real CLI
 * (out/main/cli.cjs) as a child whose stderr passes through TfLogFilter, so libtensorflow's
 * start-up lines (which no environment variable silences) never reach the user; stdin and
 * stdout are the child's own (a `--json` stdout is byte for byte the same). `SEGSTUDIO_TF_LOG=1`
 * skips the launcher and shows them.
 *
 * Signals: the child runs in its own session, so a terminal's Ctrl-C or a signal to our process
 * group reaches only this launcher, which passes each request on exactly once, in the order
 * `onShutdownRequest` sees them (SIGINT, SIGTERM, SIGHUP as themselves; its npm launcher
 * exiting as SIGUSR2, which the child reads as 'launcher exited'). The child watches this
 * launcher and pauses if it dies. The exit code (or the signal that ended the child) is ours.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { LAUNCHER_EXITED_SIGNAL, onShutdownRequest, STDERR_FILTERED_ENV } from './shutdown';
import { TfLogFilter } from './tf-log-filter';

/** Set for the child when our stderr is a terminal: its width (the child sees a pipe). */
export const STDERR_COLUMNS_ENV = 'SEGSTUDIO_STDERR_COLUMNS';

export function launchQuietCli(cliEntry: string, args: readonly string[]): void {
  const columns = process.stderr.isTTY ? String(process.stderr.columns || 80) : undefined;
  const child = spawn(process.execPath, [...process.execArgv, cliEntry, ...args], {
    stdio: ['inherit', 'inherit', 'pipe'],
    detached: true,
    env: {
      ...process.env,
      [STDERR_FILTERED_ENV]: '1',
      ...(columns !== undefined && { [STDERR_COLUMNS_ENV]: columns }),
    },
  });
  const stopForwarding = onShutdownRequest((reason) => {
    child.kill(reason === 'launcher exited' ? LAUNCHER_EXITED_SIGNAL : reason);
  });
  const filter = new TfLogFilter();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    const out = filter.push(text);
    if (out) process.stderr.write(out);
  });
  child.on('error', (err) => {
    process.stderr.write(`segstudio: cannot start ${path.basename(cliEntry)}: ${err.message}\n`);
    process.exitCode = 1;
  });
  // 'close': the child exited and every holder of its stderr (a worker too) closed it.
  child.on('close', (code, signal) => {
    const tail = filter.end();
    if (tail) process.stderr.write(tail);
    stopForwarding();
    if (signal) process.kill(process.pid, signal);
    else process.exitCode = code ?? 1;
  });
}

/** In the child: its stderr is the launcher's pipe, but a terminal for the person reading. */
export function actAsTerminalIfLaunched(): void {
  const columns = Number(process.env[STDERR_COLUMNS_ENV]);
  if (!process.env[STDERR_FILTERED_ENV]) return;
  // Writes after the launcher died must not crash the pause that its death triggers.
  process.stderr.on('error', () => undefined);
  if (columns > 0) Object.assign(process.stderr, { isTTY: true, columns });
}
