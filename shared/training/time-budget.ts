/**
 * `--time-budget DURATION` and the Train form's "Time budget" field: durations such as `60m`,
 * `1h30m`, `90s` or `1h`, parsed into whole seconds. Pure, shared by the CLI and the renderer
 * so both accept and refuse exactly the same text.
 */

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds in `text`, or null when it is not a duration of at least one second. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim().toLowerCase();
  const m = DURATION.exec(trimmed);
  if (!m || trimmed === '') return null;
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return seconds > 0 ? seconds : null;
}

/** `5400` -> `1h30m`, `90` -> `1m30s`: the inverse of parseDuration, for messages. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const parts = [h > 0 ? `${h}h` : '', m > 0 ? `${m}m` : '', rest > 0 ? `${rest}s` : ''];
  return parts.join('') || '0s';
}
