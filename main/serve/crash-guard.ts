/**
 * The last line of defence of `segstudio serve`: no error escaping a request, a socket or a
 * timer may end a server that holds the user's training. Per-socket and per-request handlers
 * deal with what clients send (ws-adapter.ts, server.ts); anything reaching this guard is a bug
 * of ours, so it is never swallowed: the full stack goes to stderr, marked so it is reported.
 */

export type GuardLog = (text: string) => void;

/** The part of `process` the guard listens on (tests pass their own emitter). */
export interface GuardTarget {
  on(event: 'uncaughtException', listener: (err: Error, origin: string) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'uncaughtException', listener: (err: Error, origin: string) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  return String(value);
}

/** Installs the guard; returns a function that removes it again. */
export function installCrashGuard(
  log: GuardLog = (text) => void process.stderr.write(text),
  target: GuardTarget = process,
): () => void {
  const report = (what: string, value: unknown): void =>
    log(
      `segstudio serve: BUG: ${what} (the server keeps running; please report this):\n` +
        `${describe(value)}\n`,
    );
  const onException = (err: Error, origin: string): void =>
    report(origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception', err);
  const onRejection = (reason: unknown): void => report('unhandled rejection', reason);
  target.on('uncaughtException', onException);
  target.on('unhandledRejection', onRejection);
  return () => {
    target.off('uncaughtException', onException);
    target.off('unhandledRejection', onRejection);
  };
}
