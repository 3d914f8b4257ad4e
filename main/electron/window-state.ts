import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../fs/atomic';

// The main window's size, position and maximised/full-screen state across launches. Pure
// Node (no `electron` import) so the policy is unit-tested; window.ts feeds it Electron's
// bounds and display work areas.

export const WINDOW_STATE_FILE = 'window-state.json';
export const DEFAULT_WINDOW_SIZE = { width: 1440, height: 900 } as const;
export const MIN_WINDOW_SIZE = { width: 960, height: 600 } as const;
/** How much of a saved window must still be on a display to be put back where it was. */
const MIN_VISIBLE = { width: 160, height: 80 } as const;

const Coordinate = z.number().int().min(-100_000).max(100_000);
const Length = z.number().int().min(1).max(100_000);

export const Rect = z.object({ x: Coordinate, y: Coordinate, width: Length, height: Length });
export type Rect = z.infer<typeof Rect>;

export const WindowState = z.object({
  version: z.literal(1),
  /** The normal (restored) bounds, even while maximised, so un-maximising goes back there. */
  bounds: Rect,
  maximized: z.boolean(),
  fullScreen: z.boolean(),
});
export type WindowState = z.infer<typeof WindowState>;

/** What the window is created with: bounds always inside a display, or the default. */
export interface InitialWindowState {
  readonly bounds: Rect;
  readonly maximized: boolean;
  readonly fullScreen: boolean;
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}

/** Size limited to the area (but never below the minimum the layout needs). */
function fitSize(size: { width: number; height: number }, area: Rect) {
  return {
    width: clamp(size.width, Math.min(MIN_WINDOW_SIZE.width, area.width), area.width),
    height: clamp(size.height, Math.min(MIN_WINDOW_SIZE.height, area.height), area.height),
  };
}

function centred(size: { width: number; height: number }, area: Rect): Rect {
  const fitted = fitSize(size, area);
  return {
    x: area.x + Math.round((area.width - fitted.width) / 2),
    y: area.y + Math.round((area.height - fitted.height) / 2),
    ...fitted,
  };
}

/**
 * Where to open the window given the saved state and the displays' work areas (primary
 * first). A window whose display is gone (unplugged monitor, changed layout) or that is
 * mostly off-screen is centred on the primary display; one that merely overhangs its display
 * is moved and shrunk to fit it. No saved state, or no displays, gives the default size.
 */
export function initialWindowState(
  saved: WindowState | null,
  workAreas: readonly Rect[],
): InitialWindowState {
  const primary = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_WINDOW_SIZE };
  if (!saved)
    return { bounds: centred(DEFAULT_WINDOW_SIZE, primary), maximized: false, fullScreen: false };
  let best: { area: Rect; visible: number } | null = null;
  for (const area of workAreas) {
    const o = overlap(saved.bounds, area);
    const visible =
      o.width >= MIN_VISIBLE.width && o.height >= MIN_VISIBLE.height ? o.width * o.height : 0;
    if (visible > 0 && (!best || visible > best.visible)) best = { area, visible };
  }
  if (!best) {
    return {
      bounds: centred(saved.bounds, primary),
      maximized: saved.maximized,
      fullScreen: saved.fullScreen,
    };
  }
  const size = fitSize(saved.bounds, best.area);
  const bounds = {
    x: clamp(saved.bounds.x, best.area.x, best.area.x + best.area.width - size.width),
    y: clamp(saved.bounds.y, best.area.y, best.area.y + best.area.height - size.height),
    ...size,
  };
  return { bounds, maximized: saved.maximized, fullScreen: saved.fullScreen };
}

/** The saved state, or null when there is none or it is unreadable (never throws). */
export async function loadWindowState(dataDir: string): Promise<WindowState | null> {
  try {
    const text = await fs.readFile(path.join(dataDir, WINDOW_STATE_FILE), 'utf8');
    const parsed = WindowState.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Atomic, so a crash while saving leaves the previous state rather than half a file. */
export async function saveWindowState(dataDir: string, state: WindowState): Promise<void> {
  await writeJsonAtomic(path.join(dataDir, WINDOW_STATE_FILE), WindowState.parse(state));
}

export interface WindowStateSaver {
  /** Called on every move/resize; the write happens once things settle. */
  schedule(state: WindowState): void;
  /** Writes the latest state now (window closing). */
  flush(state?: WindowState): Promise<void>;
}

/**
 * Debounces saves: dragging a window fires dozens of move events a second, and only where it
 * ends matters. Write errors are reported, never thrown into the window's event handlers.
 */
export function createWindowStateSaver(
  dataDir: string,
  options: { delayMs?: number; onError?: (err: unknown) => void } = {},
): WindowStateSaver {
  const delayMs = options.delayMs ?? 500;
  const onError =
    options.onError ?? ((err: unknown) => console.warn('[segstudio] window state:', err));
  let pending: WindowState | null = null;
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();

  const write = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    const state = pending;
    pending = null;
    if (!state) return writing;
    writing = writing.then(() => saveWindowState(dataDir, state)).catch(onError);
    return writing;
  };

  return {
    schedule(state) {
      pending = state;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void write(), delayMs);
    },
    flush(state) {
      if (state) pending = state;
      return write();
    },
  };
}
