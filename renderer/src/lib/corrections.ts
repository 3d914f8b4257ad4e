/**
 * Which of the user's corrections a fine-tune learns from. "Fine-tune with my corrections"
 * trains on the source run's train split only; a corrected sample of any other split (val, test)
 * changes the ground truth runs are scored against, never what the model learns. The UI says so
 * in words wherever the user fixes or fine-tunes, so a val fix is never mistaken for training.
 */
import type { SampleLabelStatus } from '../../../shared/contracts/labels';

export interface CorrectionCounts {
  /** The split the fine-tune trains on. */
  readonly trainSplit: string;
  /** Human-corrected samples of `trainSplit`: what the fine-tune learns from. */
  readonly learned: number;
  /** Human-corrected samples of every other split, by split (only change scores). */
  readonly scoredOnly: readonly { readonly split: string; readonly count: number }[];
}

/** Counts samples edited by a person (pre-labelled drafts are the model's, not corrections). */
export function countCorrections(
  samples: readonly SampleLabelStatus[],
  trainSplit: string,
): CorrectionCounts {
  const bySplit = new Map<string, number>();
  for (const s of samples) {
    if (s.edited && s.source === 'human') bySplit.set(s.split, (bySplit.get(s.split) ?? 0) + 1);
  }
  const scoredOnly = [...bySplit]
    .filter(([split]) => split !== trainSplit)
    .map(([split, count]) => ({ split, count }))
    .sort((a, b) => a.split.localeCompare(b.split));
  return { trainSplit, learned: bySplit.get(trainSplit) ?? 0, scoredOnly };
}

const samples = (n: number, split: string) => `${n} corrected ${split} sample${n === 1 ? '' : 's'}`;

/**
 * One sentence, e.g. "3 corrected train samples will be used; 2 corrected val samples only
 * change how runs are scored."
 */
export function correctionsSentence(c: CorrectionCounts): string {
  const others = c.scoredOnly.map((o) => samples(o.count, o.split)).join(' and ');
  const one = c.scoredOnly.length === 1 && c.scoredOnly[0]?.count === 1;
  const scored = others ? `${others} only change${one ? 's' : ''} how runs are scored` : '';
  if (c.learned > 0) {
    const used = `${samples(c.learned, c.trainSplit)} will be used`;
    return scored ? `${used}; ${scored}.` : `${used}.`;
  }
  const none = `No corrected ${c.trainSplit} sample yet: the fine-tune learns nothing new from your fixes`;
  return scored
    ? `${none}; ${scored}. Fix failure cases on ${c.trainSplit} to teach the model.`
    : `${none}. Fix failure cases on ${c.trainSplit} first.`;
}
