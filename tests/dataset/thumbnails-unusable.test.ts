import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openDataset,
  previewableImage,
  thumbnail,
  type DatasetIndex,
} from '../../main/dataset/index';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import { serviceCalls } from '../support/services';
import { greyMaskPng, photoPng } from './fixtures/images';
import { write } from './fixtures/write';
import { tempDir, treeFingerprint } from '../support/folders';

const W = 40;
const H = 30;

/**
 * CamVid-style pair list: two good samples, one whose listed annotation is missing (a
 * problem), one text "image", and one image listed alone (unlabeled: no mask yet).
 */
async function makeDataset(root: string): Promise<void> {
  write(
    path.join(root, 'labels.json'),
    JSON.stringify([
      { id: 0, name: 'sky', rgb_values: [128, 128, 128] },
      { id: 1, name: 'road', rgb_values: [128, 64, 128] },
      { id: 2, name: 'unlabelled', rgb_values: [0, 0, 0], void: true },
    ]),
  );
  const photo = await photoPng(W, H, 4);
  const lines: string[] = [];
  const pair = (name: string): void => {
    lines.push(`/SegNet/CamVid/train/${name}.png /SegNet/CamVid/trainannot/${name}.png`);
  };
  for (const name of ['good_1', 'good_2']) {
    write(path.join(root, 'train', `${name}.png`), photo);
    write(path.join(root, 'trainannot', `${name}.png`), greyMaskPng(W, H, [0, 1]));
    pair(name);
  }
  write(path.join(root, 'train', 'no_ann.png'), photo);
  pair('no_ann');
  write(path.join(root, 'train', 'text_img.png'), 'not a picture\n');
  write(path.join(root, 'trainannot', 'text_img.png'), greyMaskPng(W, H, [0, 1]));
  pair('text_img');
  write(path.join(root, 'train', 'no_mask.png'), photo);
  lines.push('/SegNet/CamVid/train/no_mask.png');
  write(path.join(root, 'train.txt'), `${lines.join('\n')}\n`);
}

describe('thumbnails of unusable samples', () => {
  const work = tempDir('thumb-unusable');
  const root = path.join(work.dir, 'CamVid');
  const cacheDir = path.join(work.dir, 'cache');
  let index: DatasetIndex;
  let before: Record<string, string>;

  beforeAll(async () => {
    await makeDataset(root);
    before = treeFingerprint(root);
    index = await openDataset(root);
  });
  afterAll(() => work.cleanup());

  it('previews a sample whose annotation is missing, from its readable image', async () => {
    expect(index.findSample('no_ann')).toBeUndefined();
    expect(index.problems.find((p) => p.sample === 'no_ann')?.reason).toBe('missing_annotation');
    expect(previewableImage(index, 'no_ann', 'train')).toBe(path.join(root, 'train', 'no_ann.png'));
    const file = await thumbnail(index, 'no_ann', cacheDir, 20, { split: 'train' });
    expect(file.startsWith(path.join(cacheDir, 'thumbnails'))).toBe(true);
    const meta = await sharp(file).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width, meta.height)).toBe(20);
    // cached: the same file again
    expect(await thumbnail(index, 'no_ann', cacheDir, 20, { split: 'train' })).toBe(file);
  });

  it('previews an unlabeled sample (no annotation file) from its image, with no mask', async () => {
    expect(index.problems.filter((p) => p.sample === 'no_mask')).toEqual([]);
    expect(index.findLabelable('no_mask', 'train')?.annotation).toBe('');
    const file = await thumbnail(index, 'no_mask', cacheDir, 20, { split: 'train' });
    const meta = await sharp(file).metadata();
    expect([meta.format, Math.max(meta.width, meta.height)]).toEqual(['jpeg', 20]);
    await expect(
      thumbnail(index, 'no_mask', cacheDir, 20, { split: 'train', kind: 'mask' }),
    ).rejects.toThrow('No sample "no_mask" with a usable annotation');
  });

  it('refuses a mask thumbnail for it, and any thumbnail for an unreadable image', async () => {
    await expect(
      thumbnail(index, 'no_ann', cacheDir, 20, { split: 'train', kind: 'mask' }),
    ).rejects.toThrow('No sample "no_ann" with a usable annotation');
    expect(previewableImage(index, 'text_img', 'train')).toBeUndefined();
    await expect(thumbnail(index, 'text_img', cacheDir, 20)).rejects.toThrow(
      'No sample "text_img" with a readable image',
    );
    await expect(thumbnail(index, 'no_ann', cacheDir, 20, { split: 'val' })).rejects.toThrow(
      /readable image/,
    );
  });

  it('still makes usable samples\u2019 thumbnails and never writes to the dataset folder', async () => {
    await thumbnail(index, 'good_1', cacheDir, 20);
    await thumbnail(index, 'good_1', cacheDir, 20, { kind: 'mask' });
    expect(treeFingerprint(root)).toEqual(before);
  });
});

describe('Browse media for an unusable sample', () => {
  const work = tempDir('thumb-unusable-media');
  const root = path.join(work.dir, 'CamVid');
  let services: AppServices;
  const { call } = serviceCalls(() => services);

  beforeAll(async () => {
    await makeDataset(root);
    services = createAppServices(createServeHost(path.join(work.dir, 'data')));
    await call('project:openDataset', {
      datasetDir: root,
      projectDir: path.join(work.dir, 'project'),
    });
  });
  afterAll(async () => {
    await services.dispose();
    work.cleanup();
  });

  it('serves the thumbnail and image of a sample with a missing annotation, not its masks', async () => {
    const thumb = await services.media.resolve('sample/train/no_ann/thumb');
    expect(thumb).toMatchObject({ ok: true, contentType: 'image/jpeg' });
    const image = await services.media.resolve('sample/train/no_ann/image');
    expect(image).toMatchObject({ ok: true, file: path.join(root, 'train', 'no_ann.png') });
    expect(await services.media.resolve('sample/train/no_ann/gt')).toMatchObject({ ok: false });
    expect(await services.media.resolve('sample/train/text_img/thumb')).toMatchObject({
      ok: false,
    });
  });

  it('serves an unlabeled sample\u2019s thumbnail and image, and counts it unlabeled', async () => {
    expect(await services.media.resolve('sample/train/no_mask/thumb')).toMatchObject({
      ok: true,
      contentType: 'image/jpeg',
    });
    expect(await services.media.resolve('sample/train/no_mask/image')).toMatchObject({
      ok: true,
      file: path.join(root, 'train', 'no_mask.png'),
    });
    expect(await services.media.resolve('sample/train/no_mask/gt')).toMatchObject({ ok: false });
    const status = await call<{ samples: { id: string; state: string }[] }>('labels:status', {});
    expect(status.samples.find((s) => s.id === 'no_mask')?.state).toBe('unlabeled');
    const summary = await call<{ splits: Record<string, unknown> }>('project:current', {});
    expect(summary.splits['train']).toEqual({ listed: 5, usable: 2, unlabeled: 1 });
  });
});
