/**
 * A review queue: the ordered samples the editor walks with "next" / "previous" (the failure
 * cases of an evaluation, worst first, or the "label next" ranking, most uncertain first).
 * Pure, so the order rules are unit-tested without a browser.
 */

export type QueueKind = 'failures' | 'label-next';

export interface QueueItem {
  readonly split: string;
  readonly id: string;
}

export interface ReviewQueue {
  readonly kind: QueueKind;
  /** What the editor calls the queue ("failure cases of run-a on val"). */
  readonly title: string;
  /** The run whose prediction the editor shows while walking the queue (null: none). */
  readonly run: string | null;
  readonly items: readonly QueueItem[];
}

/** Position of a sample in the queue (-1 when it is not in it). */
export function queuePosition(queue: ReviewQueue, split: string, id: string): number {
  return queue.items.findIndex((s) => s.split === split && s.id === id);
}

/**
 * The neighbour of a sample in queue order, or null at either end (no wrap: reaching the end
 * of the failure cases is news the editor tells the user). A sample not in the queue steps to
 * the first item for "next" and has no previous.
 */
export function queueNeighbour(
  queue: ReviewQueue,
  split: string,
  id: string,
  direction: 1 | -1,
): QueueItem | null {
  const at = queuePosition(queue, split, id);
  if (at < 0) return direction === 1 ? (queue.items[0] ?? null) : null;
  return queue.items[at + direction] ?? null;
}

/** Failure order of an evaluation's per-image scores: worst mIoU first, unscored left out. */
export function failureOrder(
  perImage: readonly { sample: string; mIoU: number | null }[],
): string[] {
  return perImage
    .filter((p): p is { sample: string; mIoU: number } => p.mIoU !== null)
    .sort((a, b) => a.mIoU - b.mIoU || (a.sample < b.sample ? -1 : a.sample > b.sample ? 1 : 0))
    .map((p) => p.sample);
}

const STORAGE_KEY = 'segstudio.reviewQueue';

/** The queue kept for the browser tab, so a reload of the editor keeps walking it. */
export function saveQueue(storage: Storage | undefined, queue: ReviewQueue | null): void {
  try {
    if (!storage) return;
    if (queue) storage.setItem(STORAGE_KEY, JSON.stringify(queue));
    else storage.removeItem(STORAGE_KEY);
  } catch {
    // Storage full or disabled: the queue then lasts until the tab reloads, which is fine.
  }
}

export function restoreQueue(storage: Storage | undefined): ReviewQueue | null {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<ReviewQueue>;
    if (
      (parsed.kind !== 'failures' && parsed.kind !== 'label-next') ||
      typeof parsed.title !== 'string' ||
      !Array.isArray(parsed.items)
    ) {
      return null;
    }
    const items = parsed.items.filter(
      (s): s is QueueItem =>
        typeof s === 'object' &&
        s !== null &&
        typeof s.split === 'string' &&
        typeof s.id === 'string',
    );
    return { kind: parsed.kind, title: parsed.title, run: parsed.run ?? null, items };
  } catch {
    return null;
  }
}
