import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import {
  connectStoresTo,
  startMiniCamvidServices,
  until,
  type MiniCamvidServices,
} from '../support/services';
import { createDebouncer } from '../../renderer/src/lib/debounce';
import { formatCount } from '../../renderer/src/lib/format';
import { ensureBuilt } from '../support/build';
import { makeMiniCamvid } from '../support/datasets';

/**
 * Browse's search box and filters, through the renderer's dataset store on the real services
 * (an in-process transport, what the preload bridge does over IPC or a WebSocket): search as
 * you type, a cleared box means no filter, and filters stay with the project they were set in.
 */
let fixture: MiniCamvidServices;
let second: string;

beforeAll(() => {
  ensureBuilt();
  fixture = startMiniCamvidServices('browse-filters', { train: 4, val: 2 });
  second = makeMiniCamvid({ train: 3, val: 2 });
  connectStoresTo(fixture.services);
});

afterAll(async () => {
  await fixture.dispose();
  rmSync(second, { recursive: true, force: true });
});

describe('debouncer', () => {
  it('runs only the last action, after the quiet time or at once on flush', () => {
    vi.useFakeTimers();
    try {
      const runs: string[] = [];
      const d = createDebouncer(250);
      d.schedule(() => runs.push('a'));
      d.schedule(() => runs.push('ab'));
      vi.advanceTimersByTime(249);
      expect(runs).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(runs).toEqual(['ab']);
      d.schedule(() => runs.push('abc'));
      expect(d.pending).toBe(true);
      d.flush();
      d.flush();
      expect(runs).toEqual(['ab', 'abc']);
      d.schedule(() => runs.push('dropped'));
      d.cancel();
      vi.runAllTimers();
      expect(runs).toEqual(['ab', 'abc']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Browse filters', () => {
  it('filters as you type, clears with the box, and belong to their project', async () => {
    const { useProjectStore } = await import('../../renderer/src/stores/project');
    const { useDatasetStore } = await import('../../renderer/src/stores/dataset');
    const project = useProjectStore();
    const dataset = useDatasetStore();
    /** Waits for the list the current filters ask for. */
    async function listed(): Promise<number> {
      await nextTick();
      await until(() => dataset.total !== null);
      return dataset.total ?? -1;
    }

    expect(await project.openDataset(fixture.dataset)).toBe(true);
    expect(await listed()).toBe(6);
    const one = dataset.rowAt(0);
    expect(one).toBeDefined();

    // Typing shows in the box at once; the query follows after the pause (or Enter).
    dataset.typeSearch(one!.id);
    expect(dataset.searchText).toBe(one!.id);
    expect(dataset.query.search).toBeUndefined();
    dataset.flushSearch();
    expect(dataset.query.search).toBe(one!.id);
    expect(await listed()).toBe(1);
    expect(formatCount(dataset.total ?? 0, 'sample')).toBe('1 sample');

    // Clearing the box drops the filter at once, without leaving the box.
    dataset.typeSearch('');
    expect(dataset.query.search).toBeUndefined();
    expect(await listed()).toBe(6);
    expect(formatCount(6, 'sample')).toBe('6 samples');

    // A search typed in one project does not follow into another ...
    dataset.typeSearch(one!.id);
    dataset.filters.split = one!.split;
    dataset.flushSearch();
    expect(await listed()).toBe(1);
    const firstDir = project.current!.projectDir;
    expect(await project.openDataset(second)).toBe(true);
    expect(project.current!.projectDir).not.toBe(firstDir);
    expect(dataset.filters.search).toBe('');
    expect(dataset.filters.split).toBe('');
    expect(dataset.searchText).toBe('');
    expect(await listed()).toBe(5);

    // ... and comes back with its own project.
    expect(await project.openProject(firstDir)).toBe(true);
    expect(dataset.filters.search).toBe(one!.id);
    expect(dataset.filters.split).toBe(one!.split);
    expect(dataset.searchText).toBe(one!.id);
  });
});
