/**
 * One undoable edit (a brush stroke, a fill, a polygon): tools write spans of pixels through it,
 * it keeps a copy-on-write snapshot of every tile it touches, and `finish()` turns those tiles
 * into a patch (per tile: bounding box + before/after bytes). Memory is proportional to the
 * area touched, not to the mask, so a long thin stroke across a 4096x3072 mask stays small.
 */
import { readRect, unionRect, writeRect, type LabelMask, type MaskArray, type Rect } from './mask';

/** `overwrite` paints over anything; `void-only` only fills pixels that are still void. */
export type PaintMode = 'overwrite' | 'void-only';

export interface PatchPart {
  readonly rect: Rect;
  readonly before: MaskArray;
  readonly after: MaskArray;
}

/** What undo/redo and the journal replay: the changed parts of one edit. */
export interface Patch {
  readonly label: string;
  readonly rect: Rect;
  readonly parts: readonly PatchPart[];
  readonly bytes: number;
}

export const DEFAULT_TILE = 64;

export interface EditOptions {
  readonly voidId: number;
  readonly mode: PaintMode;
  readonly tile?: number;
}

export class Edit {
  readonly mask: LabelMask;
  private readonly voidId: number;
  private readonly voidOnly: boolean;
  private readonly tile: number;
  private readonly tilesX: number;
  /** Tile index -> the tile's pixels before this edit touched it. */
  private readonly snapshots = new Map<number, MaskArray>();
  /** Per tile: bounding box of the pixels that really changed (x0, y0, x1, y1 inclusive). */
  private readonly changed = new Map<number, [number, number, number, number]>();
  private pendingDirty: Rect | null = null;

  constructor(mask: LabelMask, options: EditOptions) {
    this.mask = mask;
    this.voidId = options.voidId;
    this.voidOnly = options.mode === 'void-only';
    this.tile = options.tile ?? DEFAULT_TILE;
    this.tilesX = Math.ceil(mask.width / this.tile);
  }

  /** Paints x0..x1 (inclusive, clipped) of row y with `id`, honouring the paint mode. */
  span(y: number, x0: number, x1: number, id: number): void {
    this.write(y, x0, x1, () => id);
  }

  /** Like span, but each pixel takes its value from `source` (same layout as the mask). */
  spanFrom(y: number, x0: number, x1: number, source: ArrayLike<number>): void {
    this.write(y, x0, x1, (i) => source[i]!);
  }

  /** Writes void whatever the mode (the eraser must really clear). */
  erase(y: number, x0: number, x1: number): void {
    this.write(y, x0, x1, () => this.voidId, true);
  }

  /** Rectangle changed since the last call (for the overlay's dirty-rectangle repaint). */
  takeDirty(): Rect | null {
    const d = this.pendingDirty;
    this.pendingDirty = null;
    return d;
  }

  get hasChanges(): boolean {
    return this.changed.size > 0;
  }

  /** Closes the edit: the patch to push on the undo stack, or null when nothing changed. */
  finish(label: string): Patch | null {
    const parts: PatchPart[] = [];
    let rect: Rect | null = null;
    let bytes = 0;
    const keys = [...this.changed.keys()].sort((a, b) => a - b);
    for (const key of keys) {
      const [cx0, cy0, cx1, cy1] = this.changed.get(key)!;
      const part: Rect = { x: cx0, y: cy0, w: cx1 - cx0 + 1, h: cy1 - cy0 + 1 };
      const snapshot = this.snapshots.get(key)!;
      const tx = (key % this.tilesX) * this.tile;
      const ty = Math.floor(key / this.tilesX) * this.tile;
      const tw = Math.min(this.tile, this.mask.width - tx);
      const before =
        snapshot.constructor === Uint16Array
          ? new Uint16Array(part.w * part.h)
          : new Uint8Array(part.w * part.h);
      for (let row = 0; row < part.h; row++) {
        const start = (part.y - ty + row) * tw + (part.x - tx);
        before.set(snapshot.subarray(start, start + part.w), row * part.w);
      }
      const after = readRect(this.mask, part);
      parts.push({ rect: part, before, after });
      bytes += before.byteLength + after.byteLength;
      rect = unionRect(rect, part);
    }
    this.snapshots.clear();
    this.changed.clear();
    if (!rect) return null;
    return { label, rect, parts, bytes: bytes + 64 * parts.length };
  }

  private write(
    y: number,
    x0: number,
    x1: number,
    value: (i: number) => number,
    force = false,
  ): void {
    const { width, height, data } = this.mask;
    if (y < 0 || y >= height) return;
    const a = Math.max(0, Math.floor(x0));
    const b = Math.min(width - 1, Math.floor(x1));
    if (b < a) return;
    const guard = this.voidOnly && !force;
    const row = y * width;
    const tile = this.tile;
    const ty = Math.floor(y / tile);
    // Walk the span tile by tile so each tile is snapshotted before its first write.
    for (let start = a; start <= b;) {
      const tx = Math.floor(start / tile);
      const end = Math.min(b, (tx + 1) * tile - 1);
      let minX = -1;
      let maxX = -1;
      let snapped = false;
      for (let x = start; x <= end; x++) {
        const i = row + x;
        const old = data[i]!;
        if (guard && old !== this.voidId) continue;
        const next = value(i);
        if (old === next) continue;
        if (!snapped) {
          this.snapshot(ty * this.tilesX + tx);
          snapped = true;
        }
        data[i] = next;
        if (minX < 0) minX = x;
        maxX = x;
      }
      if (minX >= 0) this.markChanged(ty * this.tilesX + tx, minX, maxX, y);
      start = end + 1;
    }
  }

  private snapshot(key: number): void {
    if (this.snapshots.has(key)) return;
    const tx = (key % this.tilesX) * this.tile;
    const ty = Math.floor(key / this.tilesX) * this.tile;
    const rect = {
      x: tx,
      y: ty,
      w: Math.min(this.tile, this.mask.width - tx),
      h: Math.min(this.tile, this.mask.height - ty),
    };
    this.snapshots.set(key, readRect(this.mask, rect));
  }

  private markChanged(key: number, x0: number, x1: number, y: number): void {
    const box = this.changed.get(key);
    if (!box) this.changed.set(key, [x0, y, x1, y]);
    else {
      if (x0 < box[0]) box[0] = x0;
      if (y < box[1]) box[1] = y;
      if (x1 > box[2]) box[2] = x1;
      if (y > box[3]) box[3] = y;
    }
    this.pendingDirty = unionRect(this.pendingDirty, { x: x0, y, w: x1 - x0 + 1, h: 1 });
  }
}

/** Writes a patch's before (undo) or after (redo) bytes back into the mask. */
export function applyPatch(mask: LabelMask, patch: Patch, side: 'before' | 'after'): void {
  for (const part of patch.parts) writeRect(mask, part.rect, part[side]);
}
