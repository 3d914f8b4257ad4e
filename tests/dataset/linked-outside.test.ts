/**
 * A sample whose image or annotation is a link to a file outside the dataset folder is an
 * `outside_dataset` problem at open, so training, prediction and the app (which read the
 * index's usable samples) all skip it by name, as the media route refuses to serve it. Links
 * that stay inside the dataset folder, and a dataset folder reached through a link, are fine.
 */
import { realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../main/dataset/open';
import { tempDir } from '../support/folders';
import { greyMaskPng, photoPng } from './fixtures/images';
import { write } from './fixtures/write';

const W = 24;
const H = 16;
const base = tempDir('linked-outside');
afterAll(() => base.cleanup());

describe('files that link outside the dataset', () => {
  it('are outside_dataset problems at open, never read; links inside stay usable', async () => {
    const root = path.join(base.dir, 'dataset');
    const outside = path.join(base.dir, 'elsewhere');
    const photo = await photoPng(W, H, 1);
    const mask = greyMaskPng(W, H, [0, 1]);
    write(path.join(outside, 'secret.png'), photo);
    write(path.join(outside, 'secret_mask.png'), mask);
    write(path.join(root, 'pool', 'c.png'), photo);
    for (const id of ['a', 'c', 'd']) write(path.join(root, 'masks', `${id}.png`), mask);
    for (const id of ['b', 'd']) write(path.join(root, 'images', `${id}.png`), photo);
    symlinkSync(path.join(outside, 'secret.png'), path.join(root, 'images', 'a.png'));
    symlinkSync(path.join('..', 'pool', 'c.png'), path.join(root, 'images', 'c.png'));
    symlinkSync(path.join(outside, 'secret_mask.png'), path.join(root, 'masks', 'b.png'));
    const viaLink = path.join(base.dir, 'dataset-link');
    symlinkSync(root, viaLink, 'dir');

    for (const dir of [root, viaLink]) {
      const index = await openDataset(dir, { deep: true });
      expect(index.split('all').samples.map((s) => s.id)).toEqual(['c', 'd']);
      const problems = index.problems.map((p) => [p.sample, p.reason, path.basename(p.path)]);
      expect(problems).toEqual([
        ['a', 'outside_dataset', 'a.png'],
        ['b', 'outside_dataset', 'b.png'],
      ]);
      const [a, b] = index.problems;
      expect(a!.detail).toBe(
        `image ${path.join('images', 'a.png')} links to ${realpathSync(path.join(outside, 'secret.png'))}, outside the dataset folder; it is not read`,
      );
      expect(a!.image).toBeUndefined(); // the viewer is not pointed at the outside file
      expect(b!.detail).toContain(`annotation ${path.join('masks', 'b.png')} links to `);
      expect(b!.image).toBe(path.join(dir, 'images', 'b.png'));
    }
  });
});
