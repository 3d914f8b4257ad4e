/**
 * A one-slot debouncer: the last scheduled action runs once the caller has been quiet for
 * `ms`, or at once on `flush`. Search boxes use it so typing filters without a query per key.
 */
export interface Debouncer {
  /** Replaces any pending action with `action`; it runs `ms` after the last call. */
  schedule(action: () => void): void;
  /** Runs the pending action now (Enter, blur); does nothing when none is pending. */
  flush(): void;
  /** Drops the pending action without running it. */
  cancel(): void;
  /** Whether an action is waiting to run. */
  readonly pending: boolean;
}

export function createDebouncer(ms: number): Debouncer {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let waiting: (() => void) | null = null;
  function cancel(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    waiting = null;
  }
  function flush(): void {
    const action = waiting;
    cancel();
    action?.();
  }
  return {
    schedule(action) {
      cancel();
      waiting = action;
      timer = setTimeout(flush, ms);
    },
    flush,
    cancel,
    get pending() {
      return waiting !== null;
    },
  };
}
