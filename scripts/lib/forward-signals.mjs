// Runs a child with inherited stdio and passes SIGINT/SIGTERM/SIGHUP on to it, so killing a
// wrapper script (`kill <pid>`, a closed terminal) never leaves its child running without it.
// Under npm (`npm start` = npm -> sh -> node) the shell does not pass npm's SIGTERM on, so the
// wrapper also watches its parent and sends SIGTERM to the child when the parent is gone (the
// same rule as main/cli/shutdown.ts). Resolves with the exit code to leave with (the child's,
// or 128 + signal number).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function runForwardingSignals(command, args, options = {}) {
  const { watchParent: _watch, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: 'inherit', ...spawnOptions });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const onSignal = (signal) => {
    // A group signal also ends npm's shell: that is the same request, not a second one.
    if (watch) clearInterval(watch);
    forward(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
  const parent = process.ppid;
  const watchParent = options.watchParent ?? Boolean(process.env.npm_execpath);
  const watch = watchParent
    ? setInterval(() => {
        if (process.ppid === parent) return;
        clearInterval(watch);
        forward('SIGTERM');
      }, 500)
    : null;
  watch?.unref();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const s of FORWARDED_SIGNALS) process.off(s, onSignal);
      if (watch) clearInterval(watch);
      resolve(code ?? 128 + (constants.signals[signal] ?? 0));
    });
  });
}
