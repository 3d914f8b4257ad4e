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
    return { code: typeof e.code === 'string' ? e.code : 'error', message };
  }
  return { code: 'error', message: String(err) };
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
    default:
      return 'Fix the cause named above and try again.';
  }
}
