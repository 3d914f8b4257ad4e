/**
 * Issue 9 item 1: the dataset's mask encoding is decided by every mask's header, so one odd
 * mask listed first cannot flip it. The odd mask is read like the others and named for what
 * it is; every other mask stays usable.
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../main/dataset/open';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';
import { makeFoldersRgbCsv } from './fixtures/formats';
import { greyMaskPng } from './fixtures/images';
import { write } from './fixtures/write';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A mini CamVid copy whose first train mask (in list order) is replaced by `rgb`'s pixels. */
async function camvidWithFirstMask(
  rgb: (grey: Buffer) => Buffer,
): Promise<{ dir: string; id: string; file: string }> {
  const dir = makeMiniCamvid({ train: 3, val: 1 });
  made.push(dir);
  const annot = path.join(dir, 'trainannot');
  const name = readdirSync(annot).sort()[0]!;
  const file = path.join(annot, name);
  const grey = await sharp(file).extractChannel(0).raw().toBuffer();
  const png = await sharp(rgb(grey), { raw: { width: 480, height: 360, channels: 3 } })
    .png()
    .toBuffer();
  write(file, png);
  return { dir, id: path.parse(name).name, file };
}

describe('mask encoding from every header', () => {
  it('an all-200 RGB mask first among grey CamVid masks: index, and only that mask is named', async () => {
    const odd = await camvidWithFirstMask(() => Buffer.alloc(480 * 360 * 3, 200));
    const quick = await openDataset(odd.dir);
    expect(quick.descriptor.encoding).toBe('index');
    expect(quick.descriptor.classes).toHaveLength(12); // labels.json, not colours

    const deep = await openDataset(odd.dir, { deep: true });
    expect(deep.descriptor.encoding).toBe('index');
    expect(deep.problems).toHaveLength(1);
    expect(deep.problems[0]).toMatchObject({
      split: 'train',
      sample: odd.id,
      path: odd.file,
      reason: 'unknown_ids',
    });
    expect(deep.problems[0]!.detail).toContain('200 (172800 px)');
    expect(deep.problems[0]!.detail).toContain('every pixel of the mask');
    expect(deep.split('train').usable).toBe(2);
    expect(deep.split('val').usable).toBe(1);
  });

  it('a colour mask among grey id masks is unsupported_mask, not read by its red channel', async () => {
    // The real mask's ids in R = G = B, with a red square painted over the top-left corner.
    const odd = await camvidWithFirstMask((grey) => {
      const rgb = Buffer.alloc(grey.length * 3);
      grey.forEach((v, p) => rgb.fill(v, p * 3, p * 3 + 3));
      for (let y = 10; y < 20; y++)
        for (let x = 5; x < 15; x++) rgb.set([255, 0, 0], (y * 480 + x) * 3);
      return rgb;
    });
    const deep = await openDataset(odd.dir, { deep: true });
    expect(deep.descriptor.encoding).toBe('index');
    expect(deep.problems.map((p) => [p.sample, p.reason])).toEqual([[odd.id, 'unsupported_mask']]);
    expect(deep.problems[0]!.detail).toContain('differ at pixel 5,10');
    expect(deep.problems[0]!.detail).toContain(path.join('trainannot', path.basename(odd.file)));
    expect(deep.split('train').usable).toBe(2);
  });

  it('a grey mask first among colour masks keeps the colours, and the grey one is named', async () => {
    const dir = tempDir('encoding-colours');
    made.push(dir.dir);
    await makeFoldersRgbCsv(dir.dir);
    // Sorts before p.png and q.png; ids 0, 4, 7 read as colours (0,0,0), (4,4,4), (7,7,7).
    write(
      path.join(dir.dir, 'images', 'a.png'),
      await sharp(path.join(dir.dir, 'images', 'p.png')).toBuffer(),
    );
    write(path.join(dir.dir, 'labels', 'a.png'), greyMaskPng(24, 16, [0, 4, 7]));

    const deep = await openDataset(dir.dir, { deep: true });
    expect(deep.descriptor.encoding).toBe('rgb');
    expect(deep.descriptor.rgbMapping).toBe('colors');
    expect(deep.descriptor.classes.map((c) => c.name)).toEqual(['sky', 'road', 'void']);
    expect(deep.problems.map((p) => [p.sample, p.reason])).toEqual([['a', 'unknown_ids']]);
    expect(deep.problems[0]!.detail).toContain('rgb(4,4,4)');
    expect(deep.split('all').usable).toBe(2);
  });
});
