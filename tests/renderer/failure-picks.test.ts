/**
 * The Evaluate view's failure cases: how many, one per sequence, or spread within a sequence,
 * on the real CamVid names (train: three drives; val: one drive of 101 frames), not a
 * hand-made list.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAMVID } from '../support/datasets';
import {
  DEFAULT_FAILURE_COUNT,
  pickFailures,
  sequenceCount,
  sequenceOf,
} from '../../renderer/src/lib/failure-picks';

const names = (split: string) =>
  readFileSync(path.join(CAMVID, `${split}.txt`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => path.basename(line.split(' ')[0]!, '.png'));

/** Scores in name order, so the worst images are consecutive frames of the first drive. */
const scored = (samples: string[]) => samples.map((sample, i) => ({ sample, mIoU: i / 1000 }));

describe('failure picks', () => {
  it('finds the sequence of CamVid and other frame names', () => {
    expect(sequenceOf('0016E5_08157')).toBe('0016E5');
    expect(sequenceOf('Seq05VD_f02370.png')).toBe('Seq05VD');
    expect(sequenceOf('0006R0_f01800')).toBe('0006R0');
    expect(sequenceOf('city_a_000123')).toBe('city_a');
    expect(sequenceOf('frame0042')).toBe('frame');
    expect(sequenceOf('sample')).toBe('sample');
    expect(sequenceCount(names('train'))).toBe(3);
    expect(sequenceCount(names('val'))).toBe(1);
  });

  it('shows the worst N, one per sequence, or one per neighbouring frames', () => {
    const train = scored(names('train'));
    const plain = pickFailures(train, { count: DEFAULT_FAILURE_COUNT, gap: 0 });
    expect(DEFAULT_FAILURE_COUNT).toBe(24);
    expect(plain).toHaveLength(24);
    expect(new Set(plain.map(sequenceOf)).size).toBe(1);

    const perSequence = pickFailures(train, { count: 24, gap: Number.POSITIVE_INFINITY });
    expect(perSequence).toHaveLength(3);
    expect(new Set(perSequence.map(sequenceOf)).size).toBe(3);
    expect(perSequence[0]).toBe(plain[0]);

    // Val is one drive: spreading still gives 24 cases, no two within 5 frames of each other.
    const val = names('val');
    const spread = pickFailures(scored(val), { count: 24, gap: 5 });
    expect(spread).toHaveLength(21);
    const order = [...val].sort();
    const at = spread.map((s) => order.indexOf(s)).sort((a, b) => a - b);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(5);
    const withNull = [...scored(val), { sample: 'unscored_1', mIoU: null }];
    expect(pickFailures(withNull, { count: 500, gap: 0 })).toHaveLength(101);
  });
});
