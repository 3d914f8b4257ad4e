import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_SIZE,
  WINDOW_STATE_FILE,
  createWindowStateSaver,
  initialWindowState,
  loadWindowState,
  saveWindowState,
  type Rect,
  type WindowState,
} from '../../main/electron/window-state';

const laptop: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
// A second monitor to the right, taller and offset downwards.
const monitor: Rect = { x: 1920, y: -200, width: 2560, height: 1400 };

const saved = (bounds: Rect, extra: Partial<WindowState> = {}): WindowState => ({
  version: 1,
  bounds,
  maximized: false,
  fullScreen: false,
  ...extra,
});

/** Where a saved window opens, on the laptop alone unless other displays are given. */
const placed = (state: WindowState, displays: Rect[] = [laptop]): Rect =>
  initialWindowState(state, displays).bounds;

describe('initial window state', () => {
  it('opens at the default size centred on the primary display the first time', () => {
    expect(initialWindowState(null, [laptop])).toEqual({
      bounds: { x: 240, y: 70, ...DEFAULT_WINDOW_SIZE },
      maximized: false,
      fullScreen: false,
    });
  });

  it('puts a window back exactly where it was, on either display', () => {
    const onLaptop = saved({ x: 100, y: 50, width: 1200, height: 800 });
    expect(initialWindowState(onLaptop, [laptop, monitor]).bounds).toEqual(onLaptop.bounds);
    const onMonitor = saved({ x: 2200, y: -100, width: 1600, height: 1000 });
    expect(initialWindowState(onMonitor, [laptop, monitor]).bounds).toEqual(onMonitor.bounds);
  });

  it('restores maximised and full-screen with the normal bounds underneath', () => {
    const state = saved({ x: 100, y: 50, width: 1200, height: 800 }, { maximized: true });
    expect(initialWindowState(state, [laptop])).toMatchObject({
      bounds: state.bounds,
      maximized: true,
      fullScreen: false,
    });
    expect(initialWindowState({ ...state, fullScreen: true }, [laptop]).fullScreen).toBe(true);
  });

  it('centres a window whose monitor was unplugged on the primary display', () => {
    const lost = saved({ x: 2200, y: 100, width: 1600, height: 1000 });
    expect(placed(lost)).toEqual({ x: 160, y: 20, width: 1600, height: 1000 });
  });

  it('centres a window that is mostly off-screen (only a sliver would show)', () => {
    const sliver = saved({ x: -1150, y: -760, width: 1200, height: 800 });
    expect(placed(sliver)).toEqual({ x: 360, y: 120, width: 1200, height: 800 });
  });

  it('pulls an overhanging window back inside its display', () => {
    const overhang = saved({ x: 1500, y: 600, width: 1200, height: 800 });
    expect(placed(overhang)).toEqual({ x: 720, y: 240, width: 1200, height: 800 });
  });

  it('shrinks a window larger than its display (resolution lowered) to fit it', () => {
    const big = saved({ x: 0, y: 0, width: 3000, height: 2000 });
    const lowered: Rect = { x: 0, y: 0, width: 1366, height: 728 };
    expect(placed(big, [lowered])).toEqual(lowered);
  });

  it('keeps the layout minimum unless the display itself is smaller', () => {
    const tiny = saved({ x: 10, y: 10, width: 200, height: 100 });
    expect(placed(tiny)).toMatchObject({ width: 960, height: 600 });
    const small: Rect = { x: 0, y: 0, width: 800, height: 560 };
    expect(placed(tiny, [small])).toMatchObject({ width: 800, height: 560 });
  });

  it('falls back to the default when no display is reported', () => {
    expect(initialWindowState(null, []).bounds).toEqual({ x: 0, y: 0, ...DEFAULT_WINDOW_SIZE });
  });
});

describe('window state file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-winstate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips through an atomic write, leaving no temp files', async () => {
    const state = saved({ x: 10, y: 20, width: 1000, height: 700 }, { maximized: true });
    await saveWindowState(dir, state);
    expect(await loadWindowState(dir)).toEqual(state);
    expect(readdirSync(dir)).toEqual([WINDOW_STATE_FILE]);
  });

  it('ignores a missing, corrupt or out-of-range file instead of failing the launch', async () => {
    expect(await loadWindowState(dir)).toBeNull();
    const file = path.join(dir, WINDOW_STATE_FILE);
    for (const text of [
      '{"version":1,"bounds":{"x":0,"y":0,"width":800',
      '{"version":2,"bounds":{"x":0,"y":0,"width":800,"height":600},"maximized":false,"fullScreen":false}',
      '{"version":1,"bounds":{"x":1e308,"y":0,"width":800,"height":600},"maximized":false,"fullScreen":false}',
      '{"version":1,"bounds":{"x":0,"y":0,"width":-5,"height":600},"maximized":false,"fullScreen":false}',
      '{"version":1,"bounds":{"x":0.5,"y":0,"width":800,"height":600},"maximized":false,"fullScreen":false}',
      'null',
    ]) {
      writeFileSync(file, text);
      expect(await loadWindowState(dir), text).toBeNull();
    }
  });

  it('refuses to save a malformed state', async () => {
    const bad = { ...saved({ x: 0, y: 0, width: 800, height: 600 }), bounds: { x: NaN } };
    await expect(saveWindowState(dir, bad as unknown as WindowState)).rejects.toThrow();
  });

  it('debounces a burst of moves into one write of the last position, and flushes on close', async () => {
    const saver = createWindowStateSaver(dir, { delayMs: 50 });
    for (let x = 0; x < 20; x++) saver.schedule(saved({ x, y: 0, width: 1000, height: 700 }));
    expect(await loadWindowState(dir)).toBeNull();
    await new Promise((r) => setTimeout(r, 120));
    await saver.flush();
    expect((await loadWindowState(dir))?.bounds.x).toBe(19);

    saver.schedule(saved({ x: 500, y: 0, width: 1000, height: 700 }));
    await saver.flush(saved({ x: 600, y: 0, width: 1000, height: 700 }, { maximized: true }));
    const final = JSON.parse(readFileSync(path.join(dir, WINDOW_STATE_FILE), 'utf8')) as unknown;
    expect(final).toMatchObject({ bounds: { x: 600 }, maximized: true });
  });

  it('reports a failed write instead of throwing into the window events', async () => {
    const errors: unknown[] = [];
    const blocked = path.join(dir, 'not-a-dir');
    writeFileSync(blocked, 'file');
    const saver = createWindowStateSaver(blocked, { onError: (e) => errors.push(e) });
    await saver.flush(saved({ x: 0, y: 0, width: 1000, height: 700 }));
    expect(errors).toHaveLength(1);
  });
});
