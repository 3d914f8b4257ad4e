/**
 * Errors from the host arrive as RemoteError (code + message). The bridge may be a separate
 * bundle, so they are recognised by shape rather than by instanceof.
 */
export interface DescribedError {
  readonly code: string;
  readonly message: string;
}

export function describeError(err: unknown): DescribedError {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(err);
    return { code: typeof e.code === 'string' ? e.code : 'error', message: readable(message) };
  }
  return { code: 'error', message: String(err) };
}

/**
 * zod reports its issues as a JSON array in `message`; a person wants "field: problem".
 * A reply that does not match the contract also lands here, so say so.
 */
function readable(message: string): string {
  if (!message.trimStart().startsWith('[')) return message;
  try {
    const issues = JSON.parse(message) as { path?: unknown[]; message?: string }[];
    if (!Array.isArray(issues)) return message;
    const parts = issues
      .slice(0, 3)
      .map((i) => `${(i.path ?? []).join('.') || 'value'}: ${i.message ?? 'invalid'}`);
    const more = issues.length > 3 ? ` (+${issues.length - 3} more)` : '';
    return `Unexpected data — ${parts.join('; ')}${more}`;
  } catch {
    return message;
  }
}

/** True when the service behind the call has not been built into this version yet. */
export function isUnavailable(err: unknown): boolean {
  return describeError(err).code === 'unavailable';
}

/** What the user can do about an error with this code, when the caller gave no better hint. */
export function hintFor(code: string): string {
  switch (code) {
    case 'unavailable':
      return 'This feature is not part of this build yet; the rest of the workbench keeps working.';
    case 'invalid_payload':
      return 'Check the values you entered and try again.';
    case 'unknown_channel':
      return 'The app and its host are out of sync: restart Seg Studio.';
    case 'no_project':
      return 'Open a dataset or project on the Start page first.';
    case 'run_exists':
      return 'Choose another run name, or resume that run from the Runs list.';
    case 'busy':
      return 'One run trains at a time: pause or stop the running one first.';
    case 'no_run':
      return 'The run folder may have been moved or deleted: pick another run.';
    case 'no_report':
      return 'Evaluate the run on this split first (Evaluate view).';
    default:
      return 'Fix the cause named above and try again.';
  }
}

/** What the user can do when a long job of this kind fails (the job's message names the file). */
export function jobFailureHint(kind: string): string {
  switch (kind) {
    case 'index':
      return 'Fix or remove the file named above (or pick another format on the Start page), then open the folder again.';
    case 'statistics':
    case 'thumbnails':
      return 'The file named above cannot be decoded: fix or remove it; the Dataset view lists every problem file.';
    case 'evaluate':
    case 'predict':
      return 'Make sure the run has a saved checkpoint (train one epoch or press Pause) and its dataset folder is still there, then run it again.';
    case 'export':
      return 'Check that the destination is writable and has free space, then export again.';
    default:
      return 'Fix the cause named above and run it again.';
  }
}
