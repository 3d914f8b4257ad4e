/**
 * What an editor tool is and what it may touch. A tool turns pointer input (in image pixels)
 * into one Edit per gesture through its context; the stage owns rendering, undo and autosave.
 */
import type { Edit } from '../edit';
import type { LabelMask, MaskArray } from '../mask';
import type { BrushShape, Point } from '../raster/brush';
import type { Superpixels } from '../raster/slic';

export interface ToolSettings {
  readonly brushSize: number;
  readonly brushShape: BrushShape;
  /** Flood fill: only the connected region (true) or every matching pixel (false). */
  readonly contiguous: boolean;
  /** Flood fill by the mask's class region or by the image's colour. */
  readonly fillBy: 'class' | 'colour';
  /** Colour fill: per-channel tolerance 0-255. */
  readonly tolerance: number;
}

/** An outline the stage draws over the image while a tool is mid-gesture (image px). */
export type ToolPreview =
  | { readonly kind: 'path'; readonly points: readonly Point[]; readonly closed: boolean }
  | { readonly kind: 'rect'; readonly a: Point; readonly b: Point }
  | null;

export interface ToolContext {
  readonly mask: LabelMask;
  /** Class id the tool paints (dataset id space). */
  readonly classId: number;
  readonly voidId: number;
  readonly settings: ToolSettings;
  /** RGBA pixels of the image (same size as the mask), once decoded. */
  readonly image: { readonly data: Uint8ClampedArray } | null;
  /** The chosen run's prediction in dataset ids, when a run is chosen. */
  readonly prediction: MaskArray | null;
  readonly superpixels: {
    readonly sp: Superpixels;
    readonly start: Int32Array;
    readonly order: Int32Array;
  } | null;
  /** Image pixels per screen pixel at the current zoom (for hit radii). */
  readonly imagePxPerScreenPx: number;
  /** Starts an edit in the current paint mode; the stage repaints its dirty rect each frame. */
  begin(): Edit;
  /** Ends an edit: pushes it on the undo stack and tells autosave (no-op when unchanged). */
  commit(edit: Edit, label: string): void;
  preview(outline: ToolPreview): void;
  /** A sentence for the status line (why a tool did nothing, for example). */
  say(message: string): void;
}

export interface PointerInfo {
  readonly p: Point;
  readonly shift: boolean;
  readonly alt: boolean;
  readonly detail: number;
}

export interface EditorTool {
  readonly id: string;
  readonly label: string;
  /** Single-key shortcut (lower case), if any. */
  readonly shortcut?: string;
  /** Whether the brush size/shape controls apply (also draws the brush outline). */
  readonly usesBrush: boolean;
  /** When the tool needs something that may be missing (a prediction, the image). */
  available?(ctx: Pick<ToolContext, 'prediction' | 'image' | 'superpixels'>): boolean;
  /** Primary button pressed on the image. */
  down(ctx: ToolContext, e: PointerInfo): void;
  /** Pointer moved while pressed (coalesced events each arrive here, in order). */
  drag(ctx: ToolContext, e: PointerInfo): void;
  /** Pointer moved without a button (polygon rubber band). */
  hover?(ctx: ToolContext, e: PointerInfo): void;
  up(ctx: ToolContext, e: PointerInfo): void;
  /** Enter/Escape/Backspace while the tool is active; true when handled. */
  key?(ctx: ToolContext, key: string): boolean;
  /** The user switched away mid-gesture: drop (or finish) what is in progress. */
  cancel?(ctx: ToolContext): void;
}
