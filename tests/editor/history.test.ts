import { describe, expect, it } from 'vitest';
import { Edit, type PaintMode } from '../../renderer/src/editor/edit';
import { PatchHistory } from '../../renderer/src/editor/history';
import { createMask, type LabelMask } from '../../renderer/src/editor/mask';
import { sweepSpans } from '../../renderer/src/editor/raster/brush';
import { rng } from '../../scripts/lib/random.mjs';

// Undo/redo against a reference that keeps a full copy of the mask after every step.

const VOID = 11;

function randomStroke(mask: LabelMask, random: () => number, mode: PaintMode) {
  const edit = new Edit(mask, { voidId: VOID, mode, tile: 8 });
  const id = Math.floor(random() * 12);
  const size = 1 + Math.floor(random() * 9);
  let p = { x: random() * mask.width, y: random() * mask.height };
  const erase = random() < 0.2;
  const moves = 1 + Math.floor(random() * 5);
  for (let k = 0; k < moves; k++) {
    const q = { x: p.x + (random() - 0.5) * 30, y: p.y + (random() - 0.5) * 30 };
    sweepSpans(p, q, size, random() < 0.5 ? 'round' : 'square', mask.height, (y, x0, x1) =>
      erase ? edit.erase(y, x0, x1) : edit.span(y, x0, x1, id),
    );
    p = q;
  }
  return edit.finish('stroke');
}

/** Index of the first differing pixel, -1 when equal (cheap enough to check every step). */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('undo/redo history', () => {
  it('matches a full-snapshot reference over random stroke/undo/redo interleavings', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = rng(seed);
      const mask = createMask(37, 29, VOID);
      const history = new PatchHistory({ maxSteps: 1000, budgetBytes: 1 << 30 });
      // Reference: states[0..cursor] are the undo chain, states beyond cursor the redo chain.
      const states: Uint8Array[] = [Uint8Array.from(mask.data)];
      let cursor = 0;
      for (let step = 0; step < 120; step++) {
        const r = random();
        if (r < 0.55) {
          const patch = randomStroke(mask, random, random() < 0.3 ? 'void-only' : 'overwrite');
          if (patch) {
            history.push(patch);
            states.length = cursor + 1;
            states.push(Uint8Array.from(mask.data));
            cursor++;
          }
        } else if (r < 0.8) {
          const patch = history.undo(mask);
          expect(patch !== null).toBe(cursor > 0);
          if (patch) cursor--;
        } else {
          const patch = history.redo(mask);
          expect(patch !== null).toBe(cursor < states.length - 1);
          if (patch) cursor++;
        }
        expect(firstDifference(mask.data, states[cursor]!), `seed ${seed} step ${step}`).toBe(-1);
        expect(history.undoSteps).toBe(cursor);
        expect(history.redoSteps).toBe(states.length - 1 - cursor);
      }
    }
  });

  it('keeps at least 200 brush strokes on a 4096x3072 mask within its byte budget', () => {
    const mask = createMask(4096, 3072, VOID);
    const history = new PatchHistory({ maxSteps: 500, budgetBytes: 256 * 1024 * 1024 });
    const random = rng(7);
    const before = Uint8Array.from(mask.data);
    for (let s = 0; s < 210; s++) {
      const edit = new Edit(mask, { voidId: VOID, mode: 'overwrite' });
      const a = { x: random() * 4096, y: random() * 3072 };
      const b = { x: random() * 4096, y: random() * 3072 };
      sweepSpans(a, b, 20, 'round', mask.height, (y, x0, x1) => edit.span(y, x0, x1, s % 11));
      const patch = edit.finish('stroke');
      if (patch) history.push(patch);
    }
    expect(history.undoSteps).toBe(210);
    expect(history.bytes).toBeLessThanOrEqual(256 * 1024 * 1024);
    while (history.undo(mask));
    // Compared by hand: a deep-equality diff of 12 M elements is far slower than the undo.
    let differing = 0;
    for (let i = 0; i < before.length; i++) if (mask.data[i] !== before[i]) differing++;
    expect(differing).toBe(0);
  });

  it('drops the oldest steps, never the newest, when over budget', () => {
    const mask = createMask(64, 64, VOID);
    const history = new PatchHistory({ maxSteps: 1000, budgetBytes: 3000 });
    for (let s = 0; s < 10; s++) {
      const edit = new Edit(mask, { voidId: VOID, mode: 'overwrite', tile: 64 });
      for (let y = 0; y < 20; y++) edit.span(y, 0, 19, s);
      history.push(edit.finish('square')!);
    }
    expect(history.bytes).toBeLessThanOrEqual(3000);
    expect(history.undoSteps).toBeGreaterThan(0);
    expect(history.undoSteps).toBeLessThan(10);
    history.undo(mask);
    expect(mask.data[0]).toBe(8);
  });

  it('void-only mode leaves other classes alone; the eraser clears them', () => {
    const mask = createMask(10, 1, VOID);
    mask.data[3] = 2;
    const edit = new Edit(mask, { voidId: VOID, mode: 'void-only' });
    edit.span(0, 0, 9, 5);
    expect(Array.from(mask.data)).toEqual([5, 5, 5, 2, 5, 5, 5, 5, 5, 5]);
    edit.erase(0, 2, 4);
    expect(Array.from(mask.data)).toEqual([5, 5, VOID, VOID, VOID, 5, 5, 5, 5, 5]);
    const patch = edit.finish('x')!;
    expect(patch.rect).toEqual({ x: 0, y: 0, w: 10, h: 1 });
  });
});
