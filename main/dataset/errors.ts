/**
 * Bad input the user can fix (a missing folder, an unusable labels file, a broken descriptor).
 * The message names the file and says what is wrong, so the CLI and the services show it as is
 * instead of a stack trace.
 */
export class DatasetError extends Error {
  override name = 'DatasetError';
}
