/**
 * One open sample in the editor: loads its current mask from the labels service (the edit if
 * there is one, else the dataset's file), its image and, when a run is chosen, the run's
 * prediction; keeps the undo stack; journals every change and autosaves (see useAutosave);
 * resolves conflicts with the dataset's own file.
 */
import { computed, ref, shallowRef } from 'vue';
import type { SampleDetail } from '../../../shared/contracts/dataset';
import type { LoadedMask, MaskPatch, SavedMask } from '../../../shared/contracts/labels';
import { api, mediaUrl } from '../api';
import type { Patch } from '../editor/edit';
import {
  createMask,
  readRect,
  unionRect,
  type LabelMask,
  type MaskArray,
  type Rect,
} from '../editor/mask';
import { loadImageData, loadIndexValues } from '../lib/pixels';
import { predictionToIds } from '../editor/prediction';
import { decodeMask, encodeMask, encodePatch, stagePieces, toBase64 } from '../editor/wire';
import { describeError } from '../lib/errors';
import { useDatasetStore } from '../stores/dataset';
import { useAutosave } from './use-autosave';
import { useUndoStack } from './use-undo-stack';

/** Base64 characters per labels.journal/save call: the serve WebSocket takes 1 MiB a message. */
const MESSAGE_BUDGET = 600_000;
/** Pixels per journal band when a change is split up (worst case stays under the budget). */
const BAND_PIXELS = 256 * 1024;

function bands(rect: Rect): Rect[] {
  const rows = Math.max(1, Math.floor(BAND_PIXELS / rect.w));
  const out: Rect[] = [];
  for (let y = rect.y; y < rect.y + rect.h; y += rows) {
    out.push({ x: rect.x, y, w: rect.w, h: Math.min(rows, rect.y + rect.h - y) });
  }
  return out;
}

/**
 * Idle time before an autosave: 1 s, unless a test stretches it (localStorage
 * `segstudio.autosaveIdleMs`) to prove that the journal alone survives a kill -9.
 */
function autosaveIdleMs(): number {
  try {
    const value = Number(window.localStorage.getItem('segstudio.autosaveIdleMs'));
    return Number.isFinite(value) && value > 0 ? value : 1000;
  } catch {
    return 1000;
  }
}

function uploadId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function useLabelSession() {
  const dataset = useDatasetStore();
  const key = ref<{ split: string; id: string } | null>(null);
  const mask = shallowRef<LabelMask | null>(null);
  const loaded = shallowRef<LoadedMask | null>(null);
  const detail = shallowRef<SampleDetail | null>(null);
  const image = shallowRef<ImageData | null>(null);
  const prediction = shallowRef<MaskArray | null>(null);
  const loadError = ref<string | null>(null);
  const loading = ref(false);
  /** Bumped whenever the whole mask is replaced (the stage repaints everything). */
  const maskVersion = ref(0);
  /** Milliseconds from open() to a drawable mask, for the benchmark. */
  const openMillis = ref<number | null>(null);
  const lastSave = shallowRef<SavedMask | null>(null);
  let revision = 0;
  /** Everything changed since the last successful save. */
  let unsaved: Rect | null = null;
  let generation = 0;

  const maxId = computed(() => Math.max(255, ...dataset.classes.map((c) => c.id)));
  const voidId = computed(() => loaded.value?.voidId ?? 0);
  const undo = useUndoStack();
  const autosave = useAutosave({
    idleMs: autosaveIdleMs(),
    journal,
    save,
    describe: (err) => describeError(err).message,
  });

  async function install(next: LoadedMask): Promise<void> {
    const m = next.mask
      ? await decodeMask(next.mask, maxId.value)
      : createMask(next.width, next.height, next.voidId, maxId.value);
    loaded.value = next;
    revision = next.revision;
    mask.value = m;
    undo.clear();
    maskVersion.value++;
    if (next.annotation.conflict) {
      unsaved = null;
      autosave.reset('conflict');
    } else if (next.journalReplayed > 0) {
      // Edits recovered from the journal after a crash: save them as soon as things settle.
      unsaved = { x: 0, y: 0, w: m.width, h: m.height };
      autosave.reset('dirty');
    } else {
      unsaved = null;
      autosave.reset('saved');
    }
  }

  /** Opens a sample (saving the previous one first); `run` adds that run's prediction. */
  async function open(split: string, id: string, run?: string): Promise<void> {
    await autosave.flush();
    const gen = ++generation;
    const started = performance.now();
    loading.value = true;
    loadError.value = null;
    key.value = { split, id };
    image.value = null;
    prediction.value = null;
    try {
      const [next, d] = await Promise.all([
        api.labels.load({ split, id }),
        api.dataset.sample({ split, id, runName: run }),
      ]);
      if (gen !== generation) return;
      detail.value = d;
      await install(next);
      openMillis.value = performance.now() - started;
      void loadExtras(gen, d);
    } catch (err) {
      if (gen !== generation) return;
      mask.value = null;
      loadError.value = describeError(err).message;
    } finally {
      if (gen === generation) loading.value = false;
    }
  }

  /** The image's pixels (colour fill, superpixels) and the prediction, after the mask shows. */
  async function loadExtras(gen: number, d: SampleDetail): Promise<void> {
    const [img, pred] = await Promise.allSettled([
      loadImageData(mediaUrl(d.media.image)),
      d.media.predIndex ? loadIndexValues(mediaUrl(d.media.predIndex)) : Promise.resolve(null),
    ]);
    if (gen !== generation) return;
    if (img.status === 'fulfilled') image.value = img.value;
    const m = mask.value;
    if (
      pred.status === 'fulfilled' &&
      pred.value &&
      m &&
      pred.value.values.length === m.data.length
    ) {
      prediction.value = predictionToIds(
        pred.value.values,
        dataset.classes,
        voidId.value,
        maxId.value,
      );
    }
  }

  /** A change already applied to the mask (commit, undo, redo). */
  function applied(patch: Patch): void {
    unsaved = unionRect(unsaved, patch.rect);
    autosave.changed(patch.parts.map((p) => p.rect));
  }

  function commit(patch: Patch): void {
    undo.push(patch);
    applied(patch);
  }

  function undoStep(): Patch | null {
    if (!mask.value || autosave.state.value === 'conflict') return null;
    const patch = undo.undo(mask.value);
    if (patch) applied(patch);
    return patch;
  }

  function redoStep(): Patch | null {
    if (!mask.value || autosave.state.value === 'conflict') return null;
    const patch = undo.redo(mask.value);
    if (patch) applied(patch);
    return patch;
  }

  async function patchesOf(m: LabelMask, rects: Rect[]): Promise<MaskPatch[]> {
    // Many small tiles (a whole-mask action) travel better as a few bands of their union.
    let list = rects;
    if (list.length > 48) list = [list.reduce<Rect | null>((u, r) => unionRect(u, r), null)!];
    const out: MaskPatch[] = [];
    for (const rect of list.flatMap((r) => (r.w * r.h > BAND_PIXELS ? bands(r) : [r]))) {
      out.push(await encodePatch(rect, readRect(m, rect)));
    }
    return out;
  }

  async function journal(rects: Rect[]): Promise<void> {
    const m = mask.value;
    const k = key.value;
    if (!m || !k || !rects.length) return;
    const patches = await patchesOf(m, rects);
    let batch: MaskPatch[] = [];
    let size = 0;
    const send = async () => {
      if (batch.length) await api.labels.journal({ ...k, baseRevision: revision, patches: batch });
      batch = [];
      size = 0;
    };
    for (const p of patches) {
      if (size + p.data.length > MESSAGE_BUDGET || batch.length >= 1000) await send();
      batch.push(p);
      size += p.data.length;
    }
    await send();
  }

  async function save(): Promise<void> {
    const m = mask.value;
    const k = key.value;
    const rect = unsaved;
    if (!m || !k || !rect) return;
    unsaved = null;
    try {
      let result: SavedMask | null = null;
      if (rect.w * rect.h <= (m.width * m.height) / 4) {
        const patches = await patchesOf(m, [rect]);
        if (patches.reduce((n, p) => n + p.data.length, 0) <= MESSAGE_BUDGET) {
          result = await api.labels.save({ ...k, baseRevision: revision, patches });
        }
      }
      if (!result) {
        const { payload, bytes } = await encodeMask(m);
        if (bytes.length * 1.34 <= MESSAGE_BUDGET) {
          result = await api.labels.save({
            ...k,
            baseRevision: revision,
            mask: { ...payload, data: toBase64(bytes) },
          });
        } else {
          const upload = uploadId();
          const pieces = stagePieces(bytes);
          for (let index = 0; index < pieces.length; index++) {
            await api.labels.stage({ uploadId: upload, index, data: pieces[index]! });
          }
          result = await api.labels.save({
            ...k,
            baseRevision: revision,
            mask: payload,
            uploadId: upload,
          });
        }
      }
      revision = result.revision;
      lastSave.value = result;
      if (loaded.value)
        loaded.value = { ...loaded.value, state: result.state, revision: result.revision };
    } catch (err) {
      unsaved = unionRect(unsaved, rect);
      throw err;
    }
  }

  /** Keep mine / take theirs / save both, after the dataset's file changed under the edit. */
  async function resolveConflict(choice: 'keep-mine' | 'take-theirs' | 'save-both'): Promise<void> {
    const k = key.value;
    if (!k) return;
    try {
      await install(await api.labels.resolveConflict({ ...k, choice }));
    } catch (err) {
      autosave.fail(err);
    }
  }

  function classAt(x: number, y: number): number | null {
    const m = mask.value;
    if (!m || x < 0 || y < 0 || x >= m.width || y >= m.height) return null;
    return m.data[Math.floor(y) * m.width + Math.floor(x)] ?? null;
  }

  return {
    key,
    mask,
    loaded,
    detail,
    image,
    prediction,
    loading,
    loadError,
    maskVersion,
    openMillis,
    lastSave,
    voidId,
    maxId,
    undo,
    autosave,
    open,
    commit,
    undoStep,
    redoStep,
    resolveConflict,
    classAt,
  };
}

export type LabelSession = ReturnType<typeof useLabelSession>;
