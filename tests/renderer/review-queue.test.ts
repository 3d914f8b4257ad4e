import { describe, expect, it } from 'vitest';
import {
  failureOrder,
  queueNeighbour,
  queuePosition,
  restoreQueue,
  saveQueue,
  type ReviewQueue,
} from '../../renderer/src/lib/review-queue';

/** A Storage over a Map: the real interface, as the browser's sessionStorage offers it. */
function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, String(v)),
  };
}

const report = [
  { sample: 'b', mIoU: 0.5 },
  { sample: 'a', mIoU: 0.1 },
  { sample: 'skip', mIoU: null },
  { sample: 'd', mIoU: 0.3 },
  { sample: 'c', mIoU: 0.3 },
];

describe('review queue', () => {
  it('orders failure cases worst first, ties by name, unscored images left out', () => {
    expect(failureOrder(report)).toEqual(['a', 'c', 'd', 'b']);
  });

  const queue: ReviewQueue = {
    kind: 'failures',
    title: 'failure cases of r on val',
    run: 'r',
    items: failureOrder(report).map((id) => ({ split: 'val', id })),
  };

  it('steps through the queue in failure order, not name order, without wrapping', () => {
    expect(queueNeighbour(queue, 'val', 'a', 1)).toEqual({ split: 'val', id: 'c' });
    expect(queueNeighbour(queue, 'val', 'c', 1)).toEqual({ split: 'val', id: 'd' });
    expect(queueNeighbour(queue, 'val', 'd', -1)).toEqual({ split: 'val', id: 'c' });
    expect(queueNeighbour(queue, 'val', 'b', 1)).toBeNull();
    expect(queueNeighbour(queue, 'val', 'a', -1)).toBeNull();
  });

  it('a sample outside the queue (or in another split) steps to its first item', () => {
    expect(queuePosition(queue, 'train', 'a')).toBe(-1);
    expect(queueNeighbour(queue, 'train', 'a', 1)).toEqual({ split: 'val', id: 'a' });
    expect(queueNeighbour(queue, 'train', 'a', -1)).toBeNull();
  });

  it('survives a reload through tab storage and ignores what it did not write', () => {
    const storage = memoryStorage();
    saveQueue(storage, queue);
    expect(restoreQueue(storage)).toEqual(queue);
    saveQueue(storage, null);
    expect(restoreQueue(storage)).toBeNull();
    storage.setItem('segstudio.reviewQueue', '{"kind":"other","title":"x","items":[]}');
    expect(restoreQueue(storage)).toBeNull();
    storage.setItem('segstudio.reviewQueue', 'not json');
    expect(restoreQueue(storage)).toBeNull();
    expect(restoreQueue(undefined)).toBeNull();
  });
});
