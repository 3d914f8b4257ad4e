/**
 * The labeling domain: the editor's tool settings (kept while moving between samples), the
 * label state of every sample (for "next unlabeled" and the review buttons), the review queue
 * the editor walks (failure cases, "label next"), and the class additions the editor makes. The open mask itself lives in the editor session, not here:
 * it is megabytes of pixels that must never become reactive.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { LabelState, SampleLabelStatus } from '../../../shared/contracts/labels';
import { api } from '../api';
import type { PaintMode } from '../editor/edit';
import type { BrushShape } from '../editor/raster/brush';
import {
  queueNeighbour,
  queuePosition,
  restoreQueue,
  saveQueue,
  type QueueItem,
  type ReviewQueue,
} from '../lib/review-queue';
import { useDatasetStore } from './dataset';
import { useNoticeStore } from './notices';

export const BRUSH_MIN = 1;
export const BRUSH_MAX = 200;

export const useLabelingStore = defineStore('labeling', () => {
  const notices = useNoticeStore();
  const dataset = useDatasetStore();

  // ---- tool settings ------------------------------------------------------------------------
  const tool = ref('brush');
  const classId = ref<number | null>(null);
  const brushSize = ref(12);
  const brushShape = ref<BrushShape>('round');
  const mode = ref<PaintMode>('overwrite');
  const contiguous = ref(true);
  const fillBy = ref<'class' | 'colour'>('class');
  const tolerance = ref(24);
  const superpixelSize = ref(16);
  const opacity = ref(0.6);
  const maskVisible = ref(true);

  function setBrushSize(size: number): void {
    if (!Number.isFinite(size)) return;
    brushSize.value = Math.min(BRUSH_MAX, Math.max(BRUSH_MIN, Math.round(size)));
  }

  /** Classes the picker offers: every class of the dataset, void last. */
  const pickable = computed(() =>
    [...dataset.classes].sort((a, b) => Number(!!a.void) - Number(!!b.void) || a.id - b.id),
  );

  // ---- label states -------------------------------------------------------------------------
  const samples = ref<SampleLabelStatus[]>([]);
  let unsubscribe: (() => void) | null = null;

  async function refreshStatus(): Promise<void> {
    try {
      samples.value = (await api.labels.status({})).samples;
    } catch (err) {
      notices.error('Loading label states', err);
    }
    unsubscribe ??= api.labels.on('changed', (s) => upsert(s));
  }

  function upsert(s: SampleLabelStatus): void {
    const i = samples.value.findIndex((x) => x.split === s.split && x.id === s.id);
    if (i >= 0) samples.value.splice(i, 1, s);
    else samples.value.push(s);
  }

  function stateOf(split: string, id: string): SampleLabelStatus | undefined {
    return samples.value.find((s) => s.split === split && s.id === id);
  }

  /** The next unlabeled (or draft) sample after this one, wrapping around; same split first. */
  function nextUnlabeled(split: string, id: string): SampleLabelStatus | undefined {
    const list = samples.value;
    const at = list.findIndex((s) => s.split === split && s.id === id);
    const open = (s: SampleLabelStatus) => s.state === 'unlabeled' || s.state === 'draft';
    for (let k = 1; k <= list.length; k++) {
      const s = list[(at + k + list.length) % list.length]!;
      if (open(s) && !(s.split === split && s.id === id)) return s;
    }
    return undefined;
  }

  async function setState(split: string, id: string, state: LabelState): Promise<boolean> {
    try {
      upsert(await api.labels.setState({ split, id, state }));
      return true;
    } catch (err) {
      notices.error(`Marking ${split}/${id} as ${state}`, err);
      return false;
    }
  }

  // ---- review queue -------------------------------------------------------------------------
  const tabStorage = typeof window === 'undefined' ? undefined : window.sessionStorage;
  const queue = ref<ReviewQueue | null>(restoreQueue(tabStorage));

  /** Starts walking `next` through a new queue (replacing the previous one). */
  function setQueue(next: ReviewQueue | null): void {
    queue.value = next;
    saveQueue(tabStorage, next);
  }

  /** 1-based place of a sample in the queue and the queue length, or null when not in it. */
  function queuePlace(split: string, id: string): { at: number; of: number } | null {
    const q = queue.value;
    if (!q) return null;
    const at = queuePosition(q, split, id);
    return at < 0 ? null : { at: at + 1, of: q.items.length };
  }

  function queueStep(split: string, id: string, direction: 1 | -1): QueueItem | null {
    return queue.value ? queueNeighbour(queue.value, split, id, direction) : null;
  }

  /**
   * "Label next": the unlabeled and draft samples of `split`, most uncertain first under
   * `run` (mean pixel entropy), become the queue. Returns the first, or null (none / failed).
   */
  async function queueLabelNext(run: string, split?: string): Promise<QueueItem | null> {
    try {
      const ranked = await api.labels.rank({ run, split });
      if (!ranked.length) {
        notices.success(
          'Nothing left to label',
          `Every ${split ?? ''} sample is labeled or reviewed.`,
        );
        return null;
      }
      setQueue({
        kind: 'label-next',
        title: `unlabeled and draft samples, most uncertain under ${run} first`,
        run,
        items: ranked.map(({ split: s, id }) => ({ split: s, id })),
      });
      return ranked[0] ?? null;
    } catch (err) {
      notices.error(`Ranking samples by the uncertainty of ${run}`, err);
      return null;
    }
  }

  /** Drafts from `run` for unlabeled samples; a human label is never overwritten. */
  async function prelabel(run: string, split?: string): Promise<boolean> {
    try {
      const { drafted, skipped } = await api.labels.prelabel({ run, split });
      notices.success(
        `Pre-labelled ${drafted} sample${drafted === 1 ? '' : 's'} as drafts`,
        skipped ? `${skipped} already labelled (kept as they are).` : undefined,
      );
      await refreshStatus();
      return true;
    } catch (err) {
      notices.error(`Pre-labelling with ${run}`, err);
      return false;
    }
  }

  /** Adds a class to the project; the new class is selected for painting. */
  async function addClass(name: string, color?: [number, number, number]): Promise<void> {
    try {
      const before = new Set(dataset.classes.map((c) => c.id));
      dataset.classes = await api.labels.addClass({ name, color });
      const added = dataset.classes.find((c) => !before.has(c.id));
      if (added) classId.value = added.id;
    } catch (err) {
      notices.error(`Adding class "${name}"`, err, 'Class names must be 1 to 100 characters.');
    }
  }

  return {
    tool,
    classId,
    brushSize,
    brushShape,
    mode,
    contiguous,
    fillBy,
    tolerance,
    superpixelSize,
    opacity,
    maskVisible,
    setBrushSize,
    pickable,
    samples,
    refreshStatus,
    stateOf,
    nextUnlabeled,
    setState,
    queue,
    setQueue,
    queuePlace,
    queueStep,
    queueLabelNext,
    prelabel,
    addClass,
  };
});
