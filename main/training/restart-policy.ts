/**
 * When the host restarts a worker that died on its own, and when it gives up: a bounded number
 * of automatic restarts within a sliding time window, then the run is `crashed`.
 */

export interface RestartPolicy {
  /** Automatic restarts allowed within `windowMs` before the run is declared crashed. */
  readonly maxRestarts: number;
  readonly windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 3, windowMs: 10 * 60_000 };

export interface CrashDecision {
  /** Crash times still inside the window, this one included (the run keeps them). */
  readonly crashes: number[];
  /** True: restart from the last checkpoint; false: the run is crashed. */
  readonly restart: boolean;
  /** What the user is told, naming why the worker died (`why`). */
  readonly message: string;
}

/** Records a crash at `at` against the earlier ones and decides what happens next. */
export function decideOnCrash(
  earlier: readonly number[],
  at: number,
  why: string,
  policy: RestartPolicy,
): CrashDecision {
  const crashes = [...earlier.filter((t) => at - t < policy.windowMs), at];
  if (crashes.length > policy.maxRestarts) {
    const minutes = Math.round(policy.windowMs / 60_000);
    return {
      crashes,
      restart: false,
      message: `The training process died ${crashes.length} times within ${minutes} min (last: ${why}); giving up. Resume it when the cause is fixed.`,
    };
  }
  return {
    crashes,
    restart: true,
    message: `The training process died (${why}); restarting from the last checkpoint (attempt ${crashes.length} of ${policy.maxRestarts}).`,
  };
}
