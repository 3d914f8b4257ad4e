import { describe, expect, it } from 'vitest';
import { nextHidden } from '../../renderer/src/lib/class-visibility';
import { OverlayBook } from '../../renderer/src/lib/thumb-overlays';

const a = { split: 'val', id: 'a' };
const b = { split: 'val', id: 'b' };
const c = { split: 'train', id: 'a' };

describe('OverlayBook (which thumbnails still need a prediction overlay)', () => {
  it('asks for each sample on screen once, and not again once answered', () => {
    const book = new OverlayBook();
    book.use('run\u0000best', '10:finished');
    expect(book.wanted([a, b, c], 2)).toEqual([a, b]);
    book.ask([a, b]);
    expect(book.wanted([a, b, c], 10)).toEqual([c]);
    book.answer('run\u0000best', '10:finished', [a, b], [{ ...a, media: 'file/1/a.png' }]);
    expect(book.mediaOf(a)).toBe('file/1/a.png');
    // b was answered without an overlay (unreadable image): not asked again.
    expect(book.mediaOf(b)).toBeNull();
    expect(book.wanted([a, b], 10)).toEqual([]);
  });

  it('asks again when the run moves on, keeping the old overlay until the new one comes', () => {
    const book = new OverlayBook();
    book.use('run\u0000best', '10:training');
    book.ask([a]);
    book.answer('run\u0000best', '10:training', [a], [{ ...a, media: 'old.png' }]);
    expect(book.use('run\u0000best', '20:training')).toBe(true);
    expect(book.mediaOf(a)).toBe('old.png');
    expect(book.wanted([a], 10)).toEqual([a]);
    book.ask([a]);
    book.answer('run\u0000best', '20:training', [a], [{ ...a, media: 'new.png' }]);
    expect(book.mediaOf(a)).toBe('new.png');
    expect(book.use('run\u0000best', '20:training')).toBe(false);
  });

  it('forgets everything for another run or slot, and drops late answers for the old one', () => {
    const book = new OverlayBook();
    book.use('one\u0000best', '1');
    book.ask([a]);
    book.use('two\u0000last', '1');
    book.answer('one\u0000best', '1', [a], [{ ...a, media: 'one.png' }]);
    expect(book.mediaOf(a)).toBeNull();
    expect(book.wanted([a], 10)).toEqual([a]);
  });

  it('lets a failed call be asked again', () => {
    const book = new OverlayBook();
    book.use('run\u0000best', '1');
    book.ask([a]);
    expect(book.wanted([a], 10)).toEqual([]);
    book.forget([a]);
    expect(book.wanted([a], 10)).toEqual([a]);
  });
});

describe('nextHidden (per-class hide/show in the viewer)', () => {
  const all = [0, 1, 2, 3];
  it('toggles one class on a click', () => {
    const hidden = nextHidden(new Set(), 3, all, false);
    expect([...hidden]).toEqual([3]);
    expect([...nextHidden(hidden, 3, all, false)]).toEqual([]);
  });

  it('shows only one class on alt/shift-click, and all again on a second one', () => {
    const only = nextHidden(new Set([1]), 2, all, true);
    expect([...only].sort()).toEqual([0, 1, 3]);
    expect([...nextHidden(only, 2, all, true)]).toEqual([]);
    // Only another class: that one instead.
    expect([...nextHidden(only, 0, all, true)].sort()).toEqual([1, 2, 3]);
  });
});
