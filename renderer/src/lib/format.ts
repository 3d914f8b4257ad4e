/** Display formatting shared by every view, so numbers look the same everywhere. */

const intFormat = new Intl.NumberFormat('en-US');

export function formatInt(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : intFormat.format(Math.round(value));
}

/** "1 sample", "20,210 samples": a count with its noun, plural only when it is not one. */
export function formatCount(value: number, singular: string, plural = `${singular}s`): string {
  return `${formatInt(value)} ${value === 1 ? singular : plural}`;
}

export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)}%`;
}

export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toFixed(digits);
}

/** Compact learning-rate style numbers: 0.001 -> 1.0e-3. */
export function formatSci(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value >= 0.01 ? value.toPrecision(3) : value.toExponential(1);
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0)
    return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  const sameDay = new Date().toDateString() === date.toDateString();
  return sameDay
    ? date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : date.toLocaleString('en-GB', {
        day: '2-digit',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
      });
}

export function formatRelative(epochMs: number): string {
  const seconds = (Date.now() - epochMs) / 1000;
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return formatTime(epochMs);
}

export type RgbTuple = readonly [number, number, number];

export function rgbToHex([r, g, b]: RgbTuple): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export function hexToRgb(hex: string): [number, number, number] | null {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  if (!match) return null;
  return [parseInt(match[1]!, 16), parseInt(match[2]!, 16), parseInt(match[3]!, 16)];
}

/** "120 / 600 · 1m 05s left", "8 / 8 · done", "done": the numbers beside a job's bar. */
export function formatJobStatus(job: {
  done: number;
  total: number;
  etaSeconds: number | null;
  state: string;
}): string {
  const parts: string[] = [];
  if (job.total > 0) parts.push(`${formatInt(job.done)} / ${formatInt(job.total)}`);
  if (job.state !== 'running') parts.push(job.state);
  else if (job.etaSeconds !== null) parts.push(`${formatDuration(job.etaSeconds)} left`);
  return parts.join(' · ');
}
