/**
 * An image with two annotation files (`a.png` and `a_mask.png`): the sample reads the first
 * its format's suffix order names, and the other file is a `left_out` problem of that real
 * sample, named with both files, in every layout that pairs by name. It is never listed as a
 * sample of its own whose image is "missing" (MMSeg did that), nor passed over silently
 * (folder pairs did that). A mask whose image really is missing is still `missing_image`.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../main/dataset/open';
import { tempDir } from '../support/folders';
import { greyMaskPng, photoJpeg, photoPng } from './fixtures/images';
import { write } from './fixtures/write';

const W = 24;
const H = 16;
const dirs: ReturnType<typeof tempDir>[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

const LAYOUTS = [
  {
    name: 'mmseg',
    images: path.join('img_dir', 'train'),
    masks: path.join('ann_dir', 'train'),
    split: 'train',
    ext: '.jpg',
  },
  { name: 'folder-pairs', images: 'images', masks: 'masks', split: 'all', ext: '.png' },
] as const;

describe.each(LAYOUTS)('$name: an image with two annotation files', (layout) => {
  it('keeps the first, names the second against the real sample', async () => {
    const dir = tempDir(`second-annotation-${layout.name}`);
    dirs.push(dir);
    const at = (sub: string, name: string) => path.join(dir.dir, sub, name);
    for (const [i, id] of ['a', 'b'].entries()) {
      const photo = layout.ext === '.jpg' ? await photoJpeg(W, H, i) : await photoPng(W, H, i);
      write(at(layout.images, `${id}${layout.ext}`), photo);
      write(at(layout.masks, `${id}.png`), greyMaskPng(W, H, [0, 1]));
    }
    write(at(layout.masks, 'a_mask.png'), greyMaskPng(W, H, [2]));
    write(at(layout.masks, 'orphan.png'), greyMaskPng(W, H, [1]));

    const index = await openDataset(dir.dir, { deep: true });
    expect(index.descriptor.format).toBe(layout.name);
    const split = index.split(layout.split);
    expect(split.samples.map((s) => [s.id, path.basename(s.annotation)]).sort()).toEqual([
      ['a', 'a.png'],
      ['b', 'b.png'],
    ]);
    const problems = index.problems.map((p) => [p.sample, p.reason, path.basename(p.path)]);
    expect(problems.sort()).toEqual([
      ['a', 'left_out', 'a_mask.png'],
      ['orphan', 'missing_image', 'orphan.png'],
    ]);
    const second = index.problems.find((p) => p.reason === 'left_out')!;
    expect(second).toMatchObject({
      split: layout.split,
      image: at(layout.images, `a${layout.ext}`),
    });
    expect(second.detail).toBe(
      `annotation ${path.join(layout.masks, 'a_mask.png')} is a second annotation of image ${path.join(layout.images, `a${layout.ext}`)}, which reads ${path.join(layout.masks, 'a.png')}; it is not used`,
    );
    // The second file's values (2) are never read: the classes are those of a.png and b.png.
    expect(index.descriptor.classes.map((c) => c.id)).toEqual([0, 1]);
    expect(split.usable).toBe(2);
    expect(split.listed).toBe(3); // a, b and the orphan
  });
});
