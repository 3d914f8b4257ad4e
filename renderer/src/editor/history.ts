/**
 * Per-edit undo/redo over patches. Bounded two ways: at most `maxSteps` undo steps, and at most
 * `budgetBytes` of patch bytes (oldest steps are dropped first; the newest step is always kept,
 * even when it alone is over budget, so the last edit can always be undone).
 */
import { applyPatch, type Patch } from './edit';
import type { LabelMask } from './mask';

export interface HistoryLimits {
  readonly maxSteps: number;
  readonly budgetBytes: number;
}

export const DEFAULT_LIMITS: HistoryLimits = { maxSteps: 500, budgetBytes: 256 * 1024 * 1024 };

export class PatchHistory {
  private readonly done: Patch[] = [];
  private readonly undone: Patch[] = [];
  private total = 0;

  constructor(private readonly limits: HistoryLimits = DEFAULT_LIMITS) {}

  get canUndo(): boolean {
    return this.done.length > 0;
  }
  get canRedo(): boolean {
    return this.undone.length > 0;
  }
  get undoSteps(): number {
    return this.done.length;
  }
  get redoSteps(): number {
    return this.undone.length;
  }
  /** Bytes held by every kept patch (undo and redo sides). */
  get bytes(): number {
    return this.total;
  }

  /** Records an edit already applied to the mask; clears the redo side. */
  push(patch: Patch): void {
    for (const p of this.undone) this.total -= p.bytes;
    this.undone.length = 0;
    this.done.push(patch);
    this.total += patch.bytes;
    while (
      this.done.length > 1 &&
      (this.done.length > this.limits.maxSteps || this.total > this.limits.budgetBytes)
    ) {
      this.total -= this.done.shift()!.bytes;
    }
  }

  /** Reverts the newest edit in `mask`; returns it (for repaint and journal) or null. */
  undo(mask: LabelMask): Patch | null {
    return this.move(mask, this.done, this.undone, 'before');
  }

  /** Re-applies the newest undone edit; returns it or null. */
  redo(mask: LabelMask): Patch | null {
    return this.move(mask, this.undone, this.done, 'after');
  }

  /** Takes the newest patch off `from`, writes its `side` into `mask` and keeps it on `to`. */
  private move(
    mask: LabelMask,
    from: Patch[],
    to: Patch[],
    side: 'before' | 'after',
  ): Patch | null {
    const patch = from.pop();
    if (!patch) return null;
    applyPatch(mask, patch, side);
    to.push(patch);
    return patch;
  }

  clear(): void {
    this.done.length = 0;
    this.undone.length = 0;
    this.total = 0;
  }
}
