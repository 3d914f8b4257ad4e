/**
 * The app on a dataset whose split folders are symbolic links to folders elsewhere: every
 * sample is usable and every layer of it is served (the media route and Electron's protocol
 * share this resolver), while a mask in a linked folder turned into a link out of the
 * dataset's allowed roots after the open is still refused, and nothing is rendered from it.
 */
import { cpSync, readdirSync, unlinkSync, symlinkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_LAYERS, mediaPath } from '../../main/media/resolve';
import { linkSplitFolders } from '../support/datasets';
import { startMiniCamvidServices, type MiniCamvidServices } from '../support/services';

let app: MiniCamvidServices;
let elsewhere: string;

beforeAll(async () => {
  app = startMiniCamvidServices('linked-folders-app', { train: 3, val: 1 });
  elsewhere = path.join(app.base, 'big-disk');
  linkSplitFolders(app.dataset, elsewhere);
  await app.openDataset();
});
afterAll(() => app?.dispose());

const idsOf = (split: string): string[] =>
  readdirSync(path.join(elsewhere, split)).map((f) => path.parse(f).name);

describe('a dataset with linked split folders in the app', () => {
  it('lists every sample as usable', async () => {
    const rows = await app.call<{ items: { id: string; usable: boolean }[] }>('dataset:samples', {
      split: 'train',
      limit: 10,
    });
    expect(rows.items.map((r) => r.usable)).toEqual([true, true, true]);
  });

  it('serves every layer of a sample reached through the links', async () => {
    const [id] = idsOf('val');
    for (const layer of SAMPLE_LAYERS.filter((l) => !['pred', 'predIndex', 'error'].includes(l))) {
      const found = await app.services.media.resolve(mediaPath('sample', 'val', id!, layer));
      expect(found.ok, layer).toBe(true);
    }
  });

  it('refuses a mask in a linked folder turned into a link out of the roots', async () => {
    const [id] = idsOf('trainannot');
    const mask = path.join(elsewhere, 'trainannot', `${id!}.png`);
    const outside = path.join(app.base, 'outside', 'mask.png');
    mkdirSync(path.dirname(outside), { recursive: true });
    cpSync(mask, outside);
    unlinkSync(mask);
    symlinkSync(outside, mask);
    const found = await app.services.media.resolve(mediaPath('sample', 'train', id!, 'gt'));
    expect(found).toMatchObject({ ok: false, status: 403 });
  });
});
