import { describe, expect, it } from 'vitest';
import {
  describeError,
  hintFor,
  isUnavailable,
  jobFailureHint,
} from '../../renderer/src/lib/errors';
import {
  formatDuration,
  formatInt,
  formatJobStatus,
  formatPercent,
  hexToRgb,
  rgbToHex,
} from '../../renderer/src/lib/format';
import { PROBLEM_TEXT, problemShort, problemText } from '../../renderer/src/lib/problems';
import { freshRunName, timestampRunName } from '../../renderer/src/lib/run-names';
import { smoothLoss, thinSeries } from '../../renderer/src/lib/series';
import { PROBLEM_REASONS } from '../../shared/dataset/descriptor';

describe('renderer formatting', () => {
  it('formats missing values as a dash, never NaN', () => {
    expect(formatPercent(null)).toBe('—');
    expect(formatPercent(Number.NaN)).toBe('—');
    expect(formatPercent(0.4567)).toBe('45.7%');
    expect(formatInt(20210)).toBe('20,210');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(125)).toBe('2m 05s');
    expect(formatDuration(3 * 3600 + 65)).toBe('3h 01m');
  });

  it('writes a job status with counts and ETA, without dangling separators', () => {
    const job = { done: 120, total: 600, etaSeconds: 65, state: 'running' };
    expect(formatJobStatus(job)).toBe('120 / 600 · 1m 05s left');
    expect(formatJobStatus({ ...job, etaSeconds: null })).toBe('120 / 600');
    expect(formatJobStatus({ ...job, done: 600, state: 'done' })).toBe('600 / 600 · done');
    expect(formatJobStatus({ done: 0, total: 0, etaSeconds: null, state: 'done' })).toBe('done');
    expect(formatJobStatus({ done: 0, total: 0, etaSeconds: null, state: 'running' })).toBe('');
  });

  it('round-trips colours between the class table and <input type=color>', () => {
    expect(rgbToHex([128, 64, 0])).toBe('#804000');
    expect(hexToRgb('#804000')).toEqual([128, 64, 0]);
    expect(hexToRgb('not a colour')).toBeNull();
  });
});

describe('renderer errors', () => {
  it('turns zod issue lists into "field: problem" sentences', () => {
    const raw = JSON.stringify([
      { path: [0, 'defaults', 'width'], message: 'Expected number' },
      { path: [], message: 'Required' },
    ]);
    const d = describeError({ code: 'bad_response', message: raw });
    expect(d.message).toBe('Unexpected data — 0.defaults.width: Expected number; value: Required');
  });

  it('recognises services missing from the build by their code', () => {
    const err = { name: 'RemoteError', code: 'unavailable', message: 'x is not available' };
    expect(isUnavailable(err)).toBe(true);
    expect(isUnavailable(new Error('boom'))).toBe(false);
    expect(hintFor('unavailable')).toMatch(/not part of this build/);
  });

  it('tells the user what to do when each kind of long job fails', () => {
    expect(hintFor('run_exists')).toMatch(/another run name/);
    expect(hintFor('busy')).toMatch(/pause or stop/);
    expect(hintFor('no_report')).toMatch(/Evaluate the run/);
    expect(jobFailureHint('index')).toMatch(/open the folder again/);
    expect(jobFailureHint('thumbnails')).toMatch(/fix or remove it/);
    expect(jobFailureHint('evaluate')).toMatch(/checkpoint/);
    expect(jobFailureHint('export')).toMatch(/writable/);
    expect(jobFailureHint('something-new')).toMatch(/run it again/);
  });
});

describe('loss series', () => {
  it('smooths without a bias towards zero at the start', () => {
    const smoothed = smoothLoss([
      { step: 1, loss: 4 },
      { step: 2, loss: 4 },
    ]);
    expect(smoothed[0]!.y).toBeCloseTo(4);
    expect(smoothed[1]!.y).toBeCloseTo(4);
  });

  it('thins long series but keeps the last point', () => {
    const points = Array.from({ length: 10_001 }, (_, i) => i);
    const thinned = thinSeries(points, 1000);
    expect(thinned.length).toBeLessThanOrEqual(1001);
    expect(thinned[thinned.length - 1]).toBe(10_000);
  });
});

describe('problem wording', () => {
  it('has words (not codes) for every validation problem the dataset engine reports', () => {
    for (const reason of PROBLEM_REASONS) {
      expect(problemText(reason), reason).toBe(PROBLEM_TEXT[reason]);
      expect(problemText(reason), reason).not.toContain('_');
    }
    expect(problemText('from_a_newer_host')).toBe('from a newer host');
    expect(problemShort('missing_annotation')).toBe('missing annotation');
  });
});

describe('run names the Train form proposes', () => {
  it('says when the run began, to the minute', () => {
    expect(timestampRunName(new Date(2026, 11, 2, 1, 5))).toBe('run-20261202-0105');
  });

  it('never proposes a name a run already has', () => {
    expect(freshRunName('run-20261202-0105', [])).toBe('run-20261202-0105');
    // The run just finished keeps its name; the form moves on to the next free one.
    expect(freshRunName('run-20261202-0105', ['run-20261202-0105'])).toBe('run-20261202-0105-2');
    expect(freshRunName('tiny-again', ['tiny', 'tiny-again', 'tiny-again-2', 'tiny-again-4'])).toBe(
      'tiny-again-3',
    );
  });
});
