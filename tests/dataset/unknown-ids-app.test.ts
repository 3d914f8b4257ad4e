/**
 * Issue 9 item 10 in the app: a project opens on headers only, so a mask whose every pixel is a
 * value the labels do not name (200 here) looks usable until its values are read. The class
 * presence/statistics pass reads them: from then on the dataset service reports the mask as an
 * `unknown_ids` problem (values and pixel counts), from the on-disk cache too, and a mask fixed
 * since is no longer reported. Browse's rows, its problem filter and the project's problemCount
 * agree with the problem list, through the renderer's stores.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import type { Problem } from '../../shared/contracts/common';
import { openDataset } from '../../main/dataset/open';
import { classPresence } from '../../main/services/class-presence';
import { ensureBuilt } from '../support/build';
import { tempDir } from '../support/folders';
import {
  connectStoresTo,
  startMiniCamvidServices,
  until,
  type MiniCamvidServices,
} from '../support/services';

let fixture: MiniCamvidServices;
let bad: { id: string; file: string };

async function writeGrey(file: string, value: number): Promise<void> {
  const pixels = Buffer.alloc(480 * 360, value);
  const png = await sharp(pixels, { raw: { width: 480, height: 360, channels: 1 } })
    .png()
    .toBuffer();
  writeFileSync(file, png);
}

beforeAll(async () => {
  ensureBuilt();
  fixture = startMiniCamvidServices('unknown-ids', { train: 3, val: 1 });
  const annot = path.join(fixture.dataset, 'trainannot');
  const name = readdirSync(annot).sort().at(-1)!;
  bad = { id: path.parse(name).name, file: path.join(annot, name) };
  await writeGrey(bad.file, 200);
});
afterAll(() => fixture.dispose());

describe('a mask of unknown ids, in the app', () => {
  it('is a problem once the statistics pass has read its values', async () => {
    await fixture.openDataset();
    // Headers only: nothing is known about its values yet.
    const before = await fixture.call<Problem[]>('dataset:problems');
    expect(before.filter((p) => p.reason === 'unknown_ids')).toEqual([]);

    await fixture.call('dataset:computeStatistics');
    const after = await fixture.call<Problem[]>('dataset:problems');
    const unknown = after.filter((p) => p.reason === 'unknown_ids');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatchObject({ split: 'train', sample: bad.id, path: bad.file });
    expect(unknown[0]!.detail).toContain('200 (172800 px)');
    expect(unknown[0]!.detail).toContain('every pixel of the mask');

    const detail = await fixture.call<{ problems: Problem[] }>('dataset:sample', {
      split: 'train',
      id: bad.id,
    });
    expect(detail.problems.map((p) => p.reason)).toContain('unknown_ids');
  });

  it('shows in the Browse rows and the problem count, through the stores', async () => {
    connectStoresTo(fixture.services);
    const { useProjectStore } = await import('../../renderer/src/stores/project');
    const { useDatasetStore } = await import('../../renderer/src/stores/dataset');
    const project = useProjectStore();
    const data = useDatasetStore();
    // A fresh open with no cache: headers only, nothing known about the values yet.
    rmSync(path.join(fixture.base, 'project', 'cache'), { recursive: true, force: true });
    await fixture.openDataset();
    await project.load();
    expect(project.current?.problemCount).toBe(0);
    data.filters.hasProblem = true;
    const problemRows = async () => {
      await nextTick(); // a watcher resets the list
      await until(() => data.total !== null);
      return data.total === 0 ? [] : [data.rowAt(0)];
    };
    expect(await problemRows()).toEqual([]);

    await data.computeStatistics();
    expect(project.current?.problemCount).toBe(1);
    expect(data.problems.map((p) => [p.sample, p.reason])).toEqual([[bad.id, 'unknown_ids']]);
    const row = { split: 'train', id: bad.id, usable: true, problemReasons: ['unknown_ids'] };
    expect(await problemRows()).toEqual([expect.objectContaining(row)]);

    // Reopened: the saved statistics are not recomputed, and the problem is known at once.
    await fixture.openDataset();
    await project.load();
    expect(project.current?.problemCount).toBe(1);
    expect(await problemRows()).toEqual([expect.objectContaining(row)]);
  });

  it('comes back from the presence cache, and goes once the mask is fixed', async () => {
    const cache = tempDir('unknown-ids-cache');
    try {
      const index = await openDataset(fixture.dataset);
      const first = await classPresence(index, 'train', cache.dir);
      expect(first.scans.size).toBe(3);
      const cached = await classPresence(index, 'train', cache.dir);
      expect(cached.scans.size).toBe(0);
      expect(cached.problems).toEqual(first.problems);
      expect(cached.problems.map((p) => p.sample)).toEqual([bad.id]);

      await writeGrey(bad.file, 1);
      const fixed = await classPresence(await openDataset(fixture.dataset), 'train', cache.dir);
      expect(fixed.scans.size).toBe(3);
      expect(fixed.problems).toEqual([]);
    } finally {
      cache.cleanup();
    }
  });
});
