import { describe, expect, it } from 'vitest';
import { ProgressBar, formatDuration } from '../../main/cli/progress';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => (writes.push(s), true) } };
}

describe('ProgressBar', () => {
  it('shows done/total, rate and an ETA computed from the observed rate', () => {
    let now = 0;
    const { stream } = fakeStream(true);
    const bar = new ProgressBar({
      label: 'train',
      total: 100,
      unit: 'img',
      stream,
      now: () => now,
    });
    now = 10;
    bar.update(25);
    const line = bar.render();
    expect(line).toContain('25/100');
    expect(line).toContain('2.5 img/s');
    expect(line).toContain('ETA 30s');
  });

  it('follows a re-planned total and shows an ETA the caller knows (a time budget)', () => {
    let now = 0;
    const { stream } = fakeStream(true);
    // The first plan of a budgeted run is one epoch; the bar must not stick at 100% of it.
    const bar = new ProgressBar({
      label: 'train',
      total: 45,
      unit: 'step',
      stream,
      now: () => now,
    });
    now = 60;
    bar.update(120, '', { total: 5800, etaSeconds: 3300 });
    expect(bar.render()).toContain('120/5800 2.0 step/s ETA 55m00s');
    // Without a known ETA, the rate's: (5800 - 120) / 2 steps/s.
    bar.update(120, '', { etaSeconds: null });
    expect(bar.render()).toContain('ETA 47m20s');
    // Work that outgrows the plan is clamped to it, never past 100%.
    bar.update(6000, '', { total: 5861 });
    expect(bar.render()).toContain('100% 5861/5861');
  });

  it('throttles redraws in non-TTY logs and always prints the final line', () => {
    let now = 0;
    const { writes, stream } = fakeStream(false);
    const bar = new ProgressBar({ label: 'index', total: 1000, stream, now: () => now });
    for (let i = 1; i <= 1000; i++) {
      now = i * 0.01;
      bar.update(i);
    }
    bar.finish();
    expect(writes.length).toBeLessThan(10);
    expect(writes.at(-1)).toContain('1000/1000');
    expect(writes.at(-1)).toContain('in 10s');
  });

  it('formats durations for humans', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('--');
  });
});
