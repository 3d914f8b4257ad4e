/**
 * Bad input or state the user can act on (a torn payload, a conflict, a missing sample). The
 * labels service turns it into the dispatcher's user-facing error with the same code; the CLI
 * prints the message.
 */
export class LabelsError extends Error {
  constructor(
    message: string,
    /** Stable code, e.g. `bad_mask`, `label_conflict`, `no_sample`. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'LabelsError';
  }
}
