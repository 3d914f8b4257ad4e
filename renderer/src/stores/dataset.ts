import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef, triggerRef, watch } from 'vue';
import type { CheckpointKind, ClassInfo, Problem } from '../../../shared/contracts/common';
import type { SampleDetail, SampleQuery, SampleRow } from '../../../shared/contracts/dataset';
import { api } from '../api';
import { createDebouncer } from '../lib/debounce';
import type { ThumbOverlayKind } from '../lib/thumb-overlays';
import { useNoticeStore } from './notices';
import { useProjectStore } from './project';

const PAGE_SIZE = 200;
/** Quiet time after the last key before the search box queries the host. */
export const SEARCH_DEBOUNCE_MS = 250;

export interface BrowseFilters {
  split: string;
  containsClass: number | null;
  hasProblem: boolean;
  iouBand: 'any' | 'lt25' | '25to50' | '50to75' | 'gte75';
  runName: string;
  search: string;
  sort: 'name' | 'iou-asc' | 'iou-desc';
  /** '' = any label state; `edited` = masks saved in the app. */
  labelState: '' | NonNullable<SampleQuery['labelState']>;
  /** What Browse draws over each thumbnail (not a filter, but it belongs to the project too). */
  overlay: ThumbOverlayKind;
  /** The run (and its checkpoint) whose prediction the `prediction` overlay shows. */
  overlayRun: string;
  overlayFrom: CheckpointKind;
}

const IOU_BANDS: Record<BrowseFilters['iouBand'], [number, number] | null> = {
  any: null,
  lt25: [0, 0.25],
  '25to50': [0.25, 0.5],
  '50to75': [0.5, 0.75],
  gte75: [0.75, 1],
};

/** Classes, validation problems and the paged, filtered sample list behind Browse. */
export const useDatasetStore = defineStore('dataset', () => {
  const notices = useNoticeStore();
  const project = useProjectStore();

  const classes = ref<ClassInfo[]>([]);
  const problems = ref<Problem[]>([]);
  const loading = ref(false);
  const statisticsBusy = ref(false);
  const unavailable = ref(false);
  /** Class edits in flight, and whether any edit has been saved, for the "Saved" hint. */
  const savingClasses = ref(0);
  const classesSaved = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const [cls, probs] = await Promise.all([api.dataset.classes({}), api.dataset.problems({})]);
      classes.value = cls;
      problems.value = probs;
      unavailable.value = false;
    } catch (err) {
      unavailable.value = notices.loadFailed('Loading the dataset', err);
    } finally {
      loading.value = false;
    }
  }

  async function computeStatistics(): Promise<void> {
    statisticsBusy.value = true;
    try {
      classes.value = await api.dataset.computeStatistics({});
      // The pass reads every mask's values: what it found wrong joins the problems and rows.
      const found = await api.dataset.problems({});
      if (found.length !== problems.value.length) {
        problems.value = found;
        resetList();
      }
    } catch (err) {
      notices.error('Computing class statistics', err);
    } finally {
      statisticsBusy.value = false;
    }
  }

  // Edits go to the host one at a time: two in flight could each start from the same
  // descriptor and the later save would drop the earlier edit.
  let editQueue: Promise<void> = Promise.resolve();

  function updateClass(
    id: number,
    patch: { name?: string; color?: [number, number, number]; void?: boolean },
  ): Promise<void> {
    savingClasses.value++;
    editQueue = editQueue.then(async () => {
      try {
        classes.value = await api.dataset.updateClass({ id, ...patch });
        classesSaved.value = true;
      } catch (err) {
        notices.error(`Saving class ${id}`, err, 'Names must be 1 to 100 characters.');
        await load();
      } finally {
        savingClasses.value--;
      }
    });
    return editQueue;
  }

  const classByIndex = computed(() => {
    const map = new Map<number, ClassInfo>();
    for (const c of classes.value) if (c.index !== null) map.set(c.index, c);
    return map;
  });

  // ---- Browse: filters and the sparse, paged list of samples -------------------------------
  function defaultFilters(): BrowseFilters {
    return {
      split: '',
      containsClass: null,
      hasProblem: false,
      iouBand: 'any',
      runName: '',
      search: '',
      sort: 'name',
      labelState: '',
      overlay: 'none',
      overlayRun: '',
      overlayFrom: 'best',
    };
  }
  const filters = reactive<BrowseFilters>(defaultFilters());

  /**
   * What the search box shows. It reaches `filters.search` after a pause in typing, at once
   * when the box is cleared (an empty box never keeps an old filter) or on Enter/blur.
   */
  const searchText = ref('');
  const searchDebounce = createDebouncer(SEARCH_DEBOUNCE_MS);
  function typeSearch(text: string): void {
    searchText.value = text;
    if (!text.trim()) {
      searchDebounce.cancel();
      filters.search = '';
    } else {
      searchDebounce.schedule(() => (filters.search = searchText.value));
    }
  }
  function flushSearch(): void {
    searchDebounce.flush();
  }

  // Filters belong to the project they were set in: each project gets its own back on
  // reopening, and a new one starts unfiltered.
  const filtersByProject = new Map<string, BrowseFilters>();
  function switchFilters(from: string | undefined, to: string | undefined): void {
    searchDebounce.flush();
    if (from) filtersByProject.set(from, { ...filters });
    const next = (to && filtersByProject.get(to)) || defaultFilters();
    Object.assign(filters, next);
    searchText.value = next.search;
  }

  const query = computed<SampleQuery>(() => {
    const band = IOU_BANDS[filters.iouBand];
    const needsRun = band !== null || filters.sort !== 'name';
    return {
      split: filters.split || undefined,
      containsClass: filters.containsClass ?? undefined,
      hasProblem: filters.hasProblem || undefined,
      iouMin: band?.[0],
      iouMax: band?.[1],
      runName: needsRun || filters.runName ? filters.runName || undefined : undefined,
      search: filters.search.trim() || undefined,
      labelState: filters.labelState || undefined,
      sort: filters.sort,
    };
  });

  const total = ref<number | null>(null);
  const pages = shallowRef(new Map<number, SampleRow[]>());
  const listError = ref<string | null>(null);
  const selected = ref(0);
  let generation = 0;
  const inFlight = new Set<number>();

  function resetList(): void {
    generation++;
    inFlight.clear();
    pages.value = new Map();
    total.value = null;
    selected.value = 0;
    listError.value = null;
    void fetchPage(0);
  }

  watch(query, resetList, { deep: true });

  async function fetchPage(page: number): Promise<void> {
    if (pages.value.has(page) || inFlight.has(page)) return;
    const gen = generation;
    inFlight.add(page);
    try {
      const result = await api.dataset.samples({
        ...query.value,
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
      });
      if (gen !== generation) return;
      pages.value.set(page, result.items);
      total.value = result.total;
      listError.value = null;
      triggerRef(pages);
    } catch (err) {
      if (gen !== generation) return;
      listError.value = err instanceof Error ? err.message : String(err);
      if (total.value === null) total.value = 0;
      unavailable.value = notices.loadFailed('Loading samples', err);
    } finally {
      inFlight.delete(page);
    }
  }

  /** Makes sure rows [start, end) are loaded or loading. */
  function ensureRange(start: number, end: number): void {
    const first = Math.floor(Math.max(0, start) / PAGE_SIZE);
    const last = Math.floor(Math.max(0, end - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) void fetchPage(p);
  }

  function rowAt(index: number): SampleRow | undefined {
    return pages.value.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** One sample's layers; its neighbours follow the current Browse query. */
  async function sample(split: string, id: string, runName?: string): Promise<SampleDetail | null> {
    try {
      return await api.dataset.sample({ split, id, runName, query: query.value });
    } catch (err) {
      notices.error(`Loading sample ${split}/${id}`, err);
      return null;
    }
  }

  function refreshList(): void {
    labelsStale.value = false;
    resetList();
  }

  /** A mask or label state changed since the rows were fetched (their badges are stale). */
  const labelsStale = ref(false);
  api.labels.on('changed', () => (labelsStale.value = true));

  /** Refetches the rows for fresh label badges, keeping the selected sample. */
  function refreshLabels(): void {
    const keep = selected.value;
    refreshList();
    selected.value = keep;
  }

  watch(
    () => project.current?.projectDir,
    (dir, previous) => {
      switchFilters(previous, dir);
      classes.value = [];
      problems.value = [];
      if (project.current) {
        void load();
        resetList();
      }
    },
  );

  return {
    classes,
    problems,
    loading,
    statisticsBusy,
    unavailable,
    savingClasses,
    classesSaved,
    classByIndex,
    load,
    computeStatistics,
    updateClass,
    filters,
    searchText,
    typeSearch,
    flushSearch,
    query,
    labelsStale,
    refreshLabels,
    total,
    pages,
    listError,
    selected,
    ensureRange,
    rowAt,
    sample,
    refreshList,
  };
});
