/**
 * Browse filters by label state through the real services: what the labels service says about
 * a sample is what its Browse row says, and a state set after a query shows in the next one.
 */
import path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleRow } from '../../shared/contracts/dataset';
import type { LabelsStatus, LoadedMask } from '../../shared/contracts/labels';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import { serviceCalls } from '../support/services';
import { makeAde20k } from '../dataset/fixtures/formats';
import { tempDir } from '../support/folders';

type Page = { total: number; items: SampleRow[] };

describe('Browse label-state filter', () => {
  const work = tempDir('labels-browse');
  const root = path.join(work.dir, 'ADE');
  let services: AppServices;
  const { call } = serviceCalls(() => services);
  const rows = (labelState?: string) =>
    call<Page>('dataset:samples', { limit: 1000, ...(labelState && { labelState }) });

  beforeAll(async () => {
    await makeAde20k(root);
    services = createAppServices(createServeHost(path.join(work.dir, 'data')));
    await call('project:openDataset', { datasetDir: root, projectDir: path.join(work.dir, 'p') });
  });
  afterAll(async () => {
    await services.dispose();
    work.cleanup();
  });

  it('marks rows with their state, filters by it, and badges edited masks', async () => {
    const all = await rows();
    const usable = all.items.filter((r) => r.usable);
    expect(usable.length).toBeGreaterThanOrEqual(3);
    expect(usable.every((r) => r.labelState === 'labeled' && r.edited === false)).toBe(true);
    expect((await rows('edited')).total).toBe(0);
    expect((await rows('labeled')).total).toBe(usable.length);

    const [first, second] = usable as [SampleRow, SampleRow];
    const loaded = await call<LoadedMask>('labels:load', { split: first.split, id: first.id });
    const bytes = Buffer.from(loaded.mask!.data, 'base64');
    const mask = new Uint8Array(
      loaded.mask!.compression === 'deflate' ? inflateSync(bytes) : bytes,
    );
    mask.fill(1, 0, loaded.width);
    await call('labels:save', {
      split: first.split,
      id: first.id,
      baseRevision: loaded.revision,
      mask: {
        width: loaded.width,
        height: loaded.height,
        compression: 'deflate',
        data: deflateSync(mask).toString('base64'),
      },
      state: 'reviewed',
    });
    // Asked right after the previous queries: the cached rows must not hide the change.
    await call('labels:setState', { split: second.split, id: second.id, state: 'draft' });

    const edited = await rows('edited');
    expect(edited.items.map((r) => [r.split, r.id, r.labelState])).toEqual([
      [first.split, first.id, 'reviewed'],
    ]);
    expect((await rows('reviewed')).items.map((r) => r.id)).toEqual([first.id]);
    const drafts = await rows('draft');
    expect(drafts.items.map((r) => [r.id, r.edited])).toEqual([[second.id, false]]);
    expect((await rows('labeled')).total).toBe(usable.length - 2);
    expect((await rows('unlabeled')).total).toBe(0);

    // The same states as the labels service reports.
    const status = await call<LabelsStatus>('labels:status');
    const byKey = new Map(status.samples.map((s) => [`${s.split}/${s.id}`, s]));
    for (const r of (await rows()).items.filter((x) => x.usable)) {
      const s = byKey.get(`${r.split}/${r.id}`)!;
      expect([r.labelState, r.edited]).toEqual([s.state, s.edited]);
    }
  });
});
