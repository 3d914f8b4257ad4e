/**
 * How a long-running command (serve, train, resume) learns it should wind down: SIGINT
 * (Ctrl-C), SIGTERM (`kill`, service managers), SIGHUP (the terminal went away), or its
 * launcher exiting. The last one matters for `npx segstudio ...`: npm runs `sh -c segstudio`,
 * forwards SIGTERM/SIGINT to that shell, and the shell (dash) dies without passing it on, so
 * the real node process would be orphaned. When npm launched us (it sets `npm_execpath`), we
 * watch our parent and treat its disappearance like SIGHUP. Outside npm the parent is not
 * watched, so `nohup segstudio serve &` keeps running after its shell exits.
 */

/** Set by the quiet launcher (quiet-launch.ts) for the real CLI it runs as its child. */
export const STDERR_FILTERED_ENV = 'SEGSTUDIO_STDERR_FILTERED';
/** How the quiet launcher tells its child that the launcher's own launcher exited. */
export const LAUNCHER_EXITED_SIGNAL = 'SIGUSR2';

export type ShutdownReason = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'launcher exited';

export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface ShutdownOptions {
  /** Watch the parent process (default: started through npm / npx, or by the launcher). */
  readonly watchParent?: boolean;
  /** How often the parent is checked, in ms (default 500). */
  readonly pollMs?: number;
}

/** True when an npm wrapper (npm exec, npx, npm run) started this process. */
export function launchedByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return typeof env['npm_execpath'] === 'string' && env['npm_execpath'] !== '';
}

/**
 * Calls `listener` on every shutdown request (a second Ctrl-C arrives as a second call, so
 * callers can escalate; the launcher exiting after a signal is not a second request). Returns
 * a function that removes every listener and the parent watch.
 */
export function onShutdownRequest(
  listener: (reason: ShutdownReason) => void,
  options: ShutdownOptions = {},
): () => void {
  let watch: NodeJS.Timeout | null = null;
  let signalled = false;
  const stopWatching = (): void => {
    if (watch) clearInterval(watch);
    watch = null;
  };
  const handlers = SHUTDOWN_SIGNALS.map((signal) => {
    const handler = (): void => {
      // A signal to the whole group (a closed terminal, `kill -- -PGID`) also ends npm's
      // shell; its exit is the same request, never a second one that would escalate.
      signalled = true;
      stopWatching();
      listener(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  const launched = Boolean(process.env[STDERR_FILTERED_ENV]);
  const launcherExited = (): void => {
    signalled = true;
    stopWatching();
    listener('launcher exited');
  };
  // The quiet launcher watches npm for us (it is our parent) and passes its exit on.
  if (launched) process.on(LAUNCHER_EXITED_SIGNAL, launcherExited);
  if (options.watchParent ?? (launched || launchedByNpm())) {
    const parent = process.ppid;
    watch = setInterval(() => {
      // Orphans are re-parented (to init or a subreaper), so a changed ppid means it exited.
      if (process.ppid === parent) return;
      stopWatching();
      // A group signal reached us before the shell died of it, but its handler runs in the
      // poll phase after this timer: look again once that phase is over.
      setImmediate(() => {
        if (!signalled) listener('launcher exited');
      });
    }, options.pollMs ?? 500);
    // The watch alone must not keep the process alive.
    watch.unref();
  }
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    process.off(LAUNCHER_EXITED_SIGNAL, launcherExited);
    stopWatching();
  };
}
