/**
 * What Browse draws over each thumbnail: nothing, the current mask (`row.maskOverlay`, read by
 * the host through the label-source seam, so an edit shows), or a run's prediction, asked from
 * the host for the tiles on screen a batch at a time (it predicts the missing ones in a worker
 * and caches them per run, checkpoint and sample). Calls run one after another in the
 * background, so the grid never waits on them; `progress` says how many are done while they run.
 * Call `look(start, end)` with the indices on screen and whenever new rows arrive.
 */
import { computed, reactive, ref, watch } from 'vue';
import type { SampleRow } from '../../../shared/contracts/dataset';
import { api } from '../api';
import { describeError } from '../lib/errors';
import { OverlayBook, type OverlaySample } from '../lib/thumb-overlays';
import type { BrowseFilters } from '../stores/dataset';

/** Tiles per call: about a screenful, so the first overlays come back soon. */
const BATCH = 24;

export interface ThumbOverlays {
  /** The overlay's media path for a row, or null (none chosen, not predicted yet, no mask). */
  overlayOf(row: SampleRow): string | null;
  look(start: number, end: number): void;
  /** Predictions asked for and answered since the grid was last idle; total 0 when idle. */
  readonly progress: { done: number; total: number };
  /** Why the last call failed, in words; cleared by the next answer. */
  readonly error: string | null;
}

export function useThumbOverlays(options: {
  filters: BrowseFilters;
  rowAt: (index: number) => SampleRow | undefined;
  /** Changes when new rows arrive (the tiles on screen may only now be known). */
  rowsVersion: () => unknown;
  /** The chosen run's state (its step): when it moves, overlays are asked again. */
  runVersion: () => string;
}): ThumbOverlays {
  const { filters, rowAt, runVersion } = options;
  const book = new OverlayBook();
  // mediaOf reads a plain Map: bumped after each answer so the tiles look again.
  const answered = ref(0);
  const progress = reactive({ done: 0, total: 0 });
  const error = ref<string | null>(null);
  let range = { start: 0, end: 0 };
  let busy = false;

  const source = computed(() =>
    filters.overlay === 'prediction' && filters.overlayRun
      ? { run: filters.overlayRun, from: filters.overlayFrom }
      : null,
  );

  function onScreen(): OverlaySample[] {
    const out: OverlaySample[] = [];
    for (let i = range.start; i < range.end; i++) {
      const row = rowAt(i);
      if (row?.usable) out.push({ split: row.split, id: row.id });
    }
    return out;
  }

  async function pump(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      for (;;) {
        const chosen = source.value;
        if (!chosen) break;
        const key = `${chosen.run}\u0000${chosen.from}`;
        const version = runVersion();
        book.use(key, version);
        const batch = book.wanted(onScreen(), BATCH);
        if (!batch.length) break;
        book.ask(batch);
        progress.total += batch.length;
        try {
          const result = await api.dataset.overlayPredictions({ ...chosen, samples: batch });
          book.answer(key, version, batch, result.overlays);
          error.value = null;
        } catch (err) {
          book.forget(batch);
          error.value = describeError(err).message;
          break;
        } finally {
          progress.done += batch.length;
          answered.value++;
        }
      }
    } finally {
      busy = false;
      progress.done = 0;
      progress.total = 0;
    }
  }

  watch([source, runVersion, options.rowsVersion], () => void pump());

  return {
    overlayOf(row: SampleRow): string | null {
      if (filters.overlay === 'mask') return row.usable ? row.maskOverlay : null;
      if (filters.overlay !== 'prediction') return null;
      void answered.value;
      return book.mediaOf(row);
    },
    look(start: number, end: number): void {
      range = { start, end };
      void pump();
    },
    progress,
    get error() {
      return error.value;
    },
  };
}
