/**
 * Per-edit undo/redo for a mask as a composable: the PatchHistory plus reactive flags for the
 * toolbar buttons. `undo`/`redo` return the patch they applied so the caller can repaint its
 * rectangle and tell autosave.
 */
import { computed, ref } from 'vue';
import type { Patch } from '../editor/edit';
import { DEFAULT_LIMITS, PatchHistory, type HistoryLimits } from '../editor/history';
import type { LabelMask } from '../editor/mask';

export function useUndoStack(limits: HistoryLimits = DEFAULT_LIMITS) {
  const history = new PatchHistory(limits);
  // Bumped on every change: the history itself is plain (non-reactive) data.
  const version = ref(0);
  const touch = <T>(value: T): T => {
    version.value++;
    return value;
  };
  return {
    canUndo: computed(() => (version.value, history.canUndo)),
    canRedo: computed(() => (version.value, history.canRedo)),
    steps: computed(() => (version.value, history.undoSteps)),
    bytes: computed(() => (version.value, history.bytes)),
    push: (patch: Patch) => touch(history.push(patch)),
    undo: (mask: LabelMask) => touch(history.undo(mask)),
    redo: (mask: LabelMask) => touch(history.redo(mask)),
    clear: () => touch(history.clear()),
  };
}

export type UndoStack = ReturnType<typeof useUndoStack>;
