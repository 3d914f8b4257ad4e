/**
 * Autosave for the open mask. Every change is journaled to the host at once (so a crash or
 * kill -9 loses at most the edit in flight) and the whole edit is saved after `idleMs` without
 * changes, or immediately by `flush()` (leaving the sample). `state` drives the save-state
 * chip: saved, dirty, saving, error (with `message`), conflict.
 *
 * Callbacks: `journal(rects)` fires after each change with the rectangles that changed;
 * `save()` fires when a save is due and must resolve once the host has the mask; either may
 * throw — an error with code `label_conflict` turns the state to conflict (no retries until
 * `resolved()`), any other to error (retried on the next change or `flush()`).
 */
import { onScopeDispose, ref } from 'vue';
import type { Rect } from '../editor/mask';

export type SaveState = 'saved' | 'dirty' | 'saving' | 'error' | 'conflict';

export interface AutosaveOptions {
  readonly idleMs?: number;
  journal(rects: Rect[]): Promise<void>;
  save(): Promise<void>;
  describe(err: unknown): string;
}

function isConflict(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'label_conflict'
  );
}

export function useAutosave(options: AutosaveOptions) {
  const idleMs = options.idleMs ?? 1000;
  const state = ref<SaveState>('saved');
  const message = ref<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | null = null;
  // Journal writes and saves run one at a time, in order, so a journal record is always based
  // on the revision the previous save produced.
  let queue: Promise<void> = Promise.resolve();
  let saving: Promise<void> | null = null;
  /** Changes since the save in flight began (they need another save). */
  let changedDuringSave = false;

  function fail(err: unknown): void {
    state.value = isConflict(err) ? 'conflict' : 'error';
    message.value = options.describe(err);
  }

  function schedule(): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void flush();
    }, idleMs);
  }

  /** A change was applied to the mask (a stroke, an undo, a fill...). */
  function changed(rects: Rect[]): void {
    if (state.value === 'conflict') return;
    if (saving) changedDuringSave = true;
    else state.value = 'dirty';
    queue = queue
      .then(() => options.journal(rects))
      .catch((err: unknown) => {
        // A lost journal write only weakens crash insurance; the next save still carries it.
        if (isConflict(err)) fail(err);
      });
    schedule();
  }

  /** Saves now if anything is unsaved; resolves when the host has it (or the save failed). */
  async function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (saving) {
      await saving;
      if (state.value === 'dirty') return flush();
      return;
    }
    if (state.value !== 'dirty' && state.value !== 'error') return;
    state.value = 'saving';
    changedDuringSave = false;
    const run = queue.then(async () => {
      try {
        await options.save();
        message.value = null;
        state.value = changedDuringSave ? 'dirty' : 'saved';
        if (changedDuringSave) schedule();
      } catch (err) {
        fail(err);
      }
    });
    saving = run;
    queue = run;
    await run;
    saving = null;
  }

  /** Starts over for a freshly loaded mask: `dirty` when the host replayed a journal. */
  function reset(next: SaveState = 'saved'): void {
    if (timer) clearTimeout(timer);
    timer = null;
    state.value = next;
    message.value = null;
    if (next === 'dirty') schedule();
  }

  onScopeDispose(() => {
    if (timer) clearTimeout(timer);
  });

  return { state, message, changed, flush, reset, fail };
}

export type Autosave = ReturnType<typeof useAutosave>;
