import { cpSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleRow } from '../../shared/contracts/dataset';
import type { LabelsStatus, LoadedMask } from '../../shared/contracts/labels';
import { thumbnail } from '../../main/dataset/index';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import { makeAde20k } from '../dataset/fixtures/formats';
import { tempDir } from '../support/folders';
import { serviceCalls } from '../support/services';

interface Rows {
  total: number;
  items: SampleRow[];
}

/** A project made from images, as Browse and the editor see it through the services. */
describe('a project of unlabeled images in the services', () => {
  const work = tempDir('labels-browse');
  const images = path.join(work.dir, 'photos');
  const projectDir = path.join(work.dir, 'project');
  let services: AppServices;
  const { call } = serviceCalls(() => services);

  beforeAll(async () => {
    const ade = path.join(work.dir, 'ade');
    await makeAde20k(ade);
    cpSync(path.join(ade, 'ADEChallengeData2016', 'images'), images, { recursive: true });
    services = createAppServices(createServeHost(path.join(work.dir, 'data')));
    const summary = await call<{ classes: { id: number; name: string }[] }>(
      'project:createFromImages',
      { imagesDir: images, projectDir, classes: ['wall', 'sky'], valFraction: 0 },
    );
    expect(summary.classes.map((c) => [c.id, c.name])).toEqual([
      [0, 'wall'],
      [1, 'sky'],
      [255, 'unlabeled'],
    ]);
  });
  afterAll(async () => {
    await services.dispose();
    work.cleanup();
  });

  it('lists every image as unlabeled, opens one blank, and a save makes it labeled and edited', async () => {
    const rows = await call<Rows>('dataset:samples', { split: 'train' });
    expect(rows.total).toBe(6);
    expect(rows.items.every((r) => r.labelState === 'unlabeled' && r.edited === false)).toBe(true);
    const first = rows.items[0]!;
    const thumb = await thumbnail(
      services.session.current()!.index as Parameters<typeof thumbnail>[0],
      first.id,
      path.join(projectDir, 'cache'),
      16,
      { split: 'train' },
    );
    expect((await sharp(thumb).metadata()).format).toBe('jpeg');

    const loaded = await call<LoadedMask>('labels:load', { split: 'train', id: first.id });
    expect(loaded.origin).toBe('none');
    expect(loaded.mask).toBeNull();
    expect(loaded.voidId).toBe(255);
    const ids = new Uint8Array(loaded.width * loaded.height).fill(1);
    await call('labels:save', {
      split: 'train',
      id: first.id,
      baseRevision: 0,
      mask: {
        width: loaded.width,
        height: loaded.height,
        compression: 'deflate',
        data: deflateSync(ids).toString('base64'),
      },
    });
    const edited = await call<Rows>('dataset:samples', { split: 'train', labelState: 'edited' });
    expect(edited.items.map((r) => [r.id, r.labelState])).toEqual([[first.id, 'labeled']]);
    const unlabeled = await call<Rows>('dataset:samples', { labelState: 'unlabeled' });
    expect(unlabeled.total).toBe(5);
    const status = await call<LabelsStatus>('labels:status');
    expect(status.counts).toMatchObject({ unlabeled: 5, labeled: 1, edited: 1 });
    // The labelled image now is a training sample of the open project.
    expect(services.session.current()!.index.source('train').count).toBe(1);
  });
});
