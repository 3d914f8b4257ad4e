import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import { useAutosave } from '../../renderer/src/composables/use-autosave';
import { Edit } from '../../renderer/src/editor/edit';
import { applyPrediction, predictionToIds } from '../../renderer/src/editor/prediction';
import { createMask } from '../../renderer/src/editor/mask';

// The autosave state machine with its idle timer on fake time (no real waiting).

function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup() {
  const log: string[] = [];
  let nextSave = deferred();
  const scope = effectScope();
  const autosave = scope.run(() =>
    useAutosave({
      idleMs: 1000,
      journal: async (rects) => {
        log.push(`journal ${rects.length}`);
      },
      save: () => {
        log.push('save');
        return nextSave.promise;
      },
      describe: (err) => String((err as Error).message),
    }),
  )!;
  return {
    autosave,
    log,
    scope,
    settle: () => nextSave.resolve(),
    failWith: (err: unknown) => nextSave.reject(err),
    rearm: () => (nextSave = deferred()),
  };
}

const rect = { x: 0, y: 0, w: 1, h: 1 };

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('useAutosave', () => {
  it('journals each change at once and saves after 1 s idle: dirty -> saving -> saved', async () => {
    const { autosave, log, settle } = setup();
    expect(autosave.state.value).toBe('saved');
    autosave.changed([rect]);
    autosave.changed([rect, rect]);
    expect(autosave.state.value).toBe('dirty');
    await vi.advanceTimersByTimeAsync(999);
    expect(log).toEqual(['journal 1', 'journal 2']);
    await vi.advanceTimersByTimeAsync(1);
    expect(autosave.state.value).toBe('saving');
    expect(log).toEqual(['journal 1', 'journal 2', 'save']);
    settle();
    await vi.advanceTimersByTimeAsync(0);
    expect(autosave.state.value).toBe('saved');
  });

  it('a change during a save leaves it dirty and saves again', async () => {
    const { autosave, log, settle, rearm } = setup();
    autosave.changed([rect]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(autosave.state.value).toBe('saving');
    autosave.changed([rect]);
    settle();
    await vi.advanceTimersByTimeAsync(0);
    expect(autosave.state.value).toBe('dirty');
    rearm();
    await vi.advanceTimersByTimeAsync(1000);
    expect(log.filter((l) => l === 'save')).toHaveLength(2);
  });

  it('flush saves at once (leaving the sample); an error can be retried; a conflict stops saving', async () => {
    const { autosave, log, failWith, rearm, settle } = setup();
    autosave.changed([rect]);
    const flushing = autosave.flush();
    failWith(new Error('disk full'));
    await flushing;
    expect(autosave.state.value).toBe('error');
    expect(autosave.message.value).toBe('disk full');
    rearm();
    const retry = autosave.flush();
    settle();
    await retry;
    expect(autosave.state.value).toBe('saved');

    rearm();
    autosave.changed([rect]);
    const conflicting = autosave.flush();
    failWith(Object.assign(new Error('saved elsewhere'), { code: 'label_conflict' }));
    await conflicting;
    expect(autosave.state.value).toBe('conflict');
    const saves = log.filter((l) => l === 'save').length;
    autosave.changed([rect]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(autosave.state.value).toBe('conflict');
    expect(log.filter((l) => l === 'save')).toHaveLength(saves);
  });
});

describe('start from the model', () => {
  it('maps training indices to dataset ids and fills only void when asked', () => {
    const classes = [
      { id: 0, index: 0 },
      { id: 7, index: 1 },
      { id: 11, index: null },
    ];
    const pred = predictionToIds(Uint8Array.from([0, 1, 255, 1]), classes, 11, 255);
    expect(Array.from(pred)).toEqual([0, 7, 11, 7]);
    const mask = createMask(4, 1, 11);
    mask.data[1] = 0;
    const onlyVoid = applyPrediction(mask, pred, 11, true).finish('fill void')!;
    expect(Array.from(mask.data)).toEqual([0, 0, 11, 7]);
    expect(onlyVoid.rect).toEqual({ x: 0, y: 0, w: 4, h: 1 });
    applyPrediction(mask, pred, 11, false).finish('replace');
    expect(Array.from(mask.data)).toEqual([0, 7, 11, 7]);
    // The accept-prediction brush writes the same values through spans.
    const other = createMask(4, 1, 3);
    const edit = new Edit(other, { voidId: 11, mode: 'overwrite' });
    edit.spanFrom(0, 1, 2, pred);
    expect(Array.from(other.data)).toEqual([3, 7, 11, 3]);
  });
});
