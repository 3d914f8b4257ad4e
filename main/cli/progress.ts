/** Formats seconds as a short human duration: 42s, 3m05s, 1h02m. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export interface ProgressStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  readonly unit?: string;
  readonly stream: ProgressStream;
  readonly now?: () => number;
}

/**
 * A progress bar with rate and ETA. On a TTY it redraws one line; elsewhere (CI logs, pipes)
 * it prints a line at most every few seconds so logs stay readable.
 */
export class ProgressBar {
  private done = 0;
  private total: number;
  /** An ETA the caller knows better than the observed rate (e.g. a time budget's). */
  private knownEta: number | null = null;
  private extra = '';
  private readonly startedAt: number;
  private lastDrawAt = -Infinity;
  private finished = false;
  private readonly now: () => number;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? (() => performance.now() / 1000);
    this.startedAt = this.now();
    this.total = options.total;
  }

  /**
   * `total` moves when the work is re-planned (a time budget's step count follows the
   * measured speed); `etaSeconds`, when given, is shown instead of the one from the rate.
   */
  update(
    done: number,
    extra = '',
    next: { total?: number; etaSeconds?: number | null } = {},
  ): void {
    if (next.total !== undefined) this.total = Math.max(0, next.total);
    if (next.etaSeconds !== undefined) this.knownEta = next.etaSeconds;
    this.done = Math.min(done, this.total);
    this.extra = extra;
    const interval = this.options.stream.isTTY ? 0.1 : 5;
    if (this.now() - this.lastDrawAt >= interval) this.draw(false);
  }

  tick(by = 1, extra = ''): void {
    this.update(this.done + by, extra);
  }

  finish(extra = ''): void {
    if (this.finished) return;
    this.finished = true;
    this.extra = extra || this.extra;
    this.draw(true);
  }

  /** Current rate in units/s and remaining seconds, as shown on the bar. */
  stats(): { rate: number; etaSeconds: number; elapsed: number } {
    const elapsed = this.now() - this.startedAt;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const remaining = this.total - this.done;
    const fromRate = rate > 0 ? remaining / rate : Number.NaN;
    return { rate, etaSeconds: this.knownEta ?? fromRate, elapsed };
  }

  render(): string {
    const { label, unit = 'it' } = this.options;
    const total = this.total;
    const { rate, etaSeconds, elapsed } = this.stats();
    const fraction = total > 0 ? this.done / total : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const pct = `${Math.floor(fraction * 100)}`.padStart(3);
    const timing = this.finished
      ? `in ${formatDuration(elapsed)}`
      : `ETA ${formatDuration(etaSeconds)}`;
    const extra = this.extra ? ` ${this.extra}` : '';
    return `${label} [${bar}] ${pct}% ${this.done}/${total} ${rate.toFixed(1)} ${unit}/s ${timing}${extra}`;
  }

  private draw(final: boolean): void {
    this.lastDrawAt = this.now();
    const line = this.render();
    if (this.options.stream.isTTY) {
      this.options.stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    } else {
      this.options.stream.write(`${line}\n`);
    }
  }
}
