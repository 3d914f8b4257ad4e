import { describe, expect, it } from 'vitest';
import type { SampleLabelStatus } from '../../shared/contracts/labels';
import { correctionsSentence, countCorrections } from '../../renderer/src/lib/corrections';

const sample = (split: string, id: string, source: string | null): SampleLabelStatus => ({
  split,
  id,
  name: `${id}.png`,
  state: source === null ? 'labeled' : source === 'human' ? 'labeled' : 'draft',
  edited: source !== null,
  source,
  updatedAt: source === null ? null : 1,
});

/** What "Fine-tune with my corrections" says it learns from. */
describe('countCorrections / correctionsSentence', () => {
  it('counts human edits of the train split as learned and of other splits as scores only', () => {
    const samples = [
      sample('train', 'a', 'human'),
      sample('train', 'b', 'human'),
      sample('train', 'c', 'human'),
      sample('train', 'd', 'prediction:r@best'),
      sample('train', 'e', null),
      sample('val', 'f', 'human'),
      sample('val', 'g', 'human'),
    ];
    const counts = countCorrections(samples, 'train');
    expect(counts).toEqual({
      trainSplit: 'train',
      learned: 3,
      scoredOnly: [{ split: 'val', count: 2 }],
    });
    expect(correctionsSentence(counts)).toBe(
      '3 corrected train samples will be used; 2 corrected val samples only change how runs are scored.',
    );
  });

  it('says so when no train sample is corrected, naming the run’s own train split', () => {
    const onlyVal = countCorrections([sample('val', 'f', 'human')], 'fit');
    expect(correctionsSentence(onlyVal)).toBe(
      'No corrected fit sample yet: the fine-tune learns nothing new from your fixes; 1 corrected val sample only changes how runs are scored. Fix failure cases on fit to teach the model.',
    );
    expect(correctionsSentence(countCorrections([], 'train'))).toBe(
      'No corrected train sample yet: the fine-tune learns nothing new from your fixes. Fix failure cases on train first.',
    );
    const one = countCorrections(
      [sample('train', 'a', 'human'), sample('test', 't', 'human'), sample('val', 'v', 'human')],
      'train',
    );
    expect(correctionsSentence(one)).toBe(
      '1 corrected train sample will be used; 1 corrected test sample and 1 corrected val sample only change how runs are scored.',
    );
  });
});
