/**
 * A mask whose every pixel is a value the classes do not name (all 200) is a problem in every
 * format — with the value, its pixel count and "every pixel" — never a usable all-void sample.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../main/dataset/index';
import { makeCityscapes, makeCvat, makeMmseg, EW, EH } from './fixtures/exports';
import { makeAde20k, makeFoldersRgbCsv, makeSeed, makeVoc } from './fixtures/formats';
import { colorMaskPng, greyMaskPng } from './fixtures/images';
import { encodePng } from './fixtures/png';
import { write } from './fixtures/write';
import { tempDir } from '../support/folders';

const W = 24;
const H = 16;
const all200Palette = (w: number, h: number): Buffer => {
  const palette = new Uint8Array(256 * 3);
  palette.set([200, 200, 200], 200 * 3);
  return encodePng({
    width: w,
    height: h,
    colorType: 3,
    data: new Uint8Array(w * h).fill(200),
    palette,
  });
};

const CASES: {
  name: string;
  make: (root: string) => Promise<unknown>;
  mask: (root: string) => string;
  bytes: Buffer;
  listing: string;
}[] = [
  {
    name: 'voc',
    make: makeVoc,
    mask: (r) => path.join(r, 'VOCdevkit', 'VOC2012', 'SegmentationClass', '2007_000032.png'),
    bytes: all200Palette(W, H),
    listing: `200 (${W * H} px)`,
  },
  {
    name: 'ade20k',
    make: makeAde20k,
    mask: (r) =>
      path.join(r, 'ADEChallengeData2016', 'annotations', 'training', 'ADE_train_00000001.png'),
    bytes: greyMaskPng(W, H, [200]),
    listing: `200 (${W * H} px)`,
  },
  {
    name: 'seed',
    make: makeSeed,
    mask: (r) => path.join(r, 'targets', 'a_1_GT.png'),
    bytes: colorMaskPng(W, H, [0], () => [200, 0, 0]),
    listing: `rgb(200,0,0) (${W * H} px)`,
  },
  {
    name: 'folder-pairs',
    make: makeFoldersRgbCsv,
    mask: (r) => path.join(r, 'labels', 'p.png'),
    bytes: colorMaskPng(W, H, [0], () => [200, 200, 200]),
    listing: `rgb(200,200,200) (${W * H} px)`,
  },
  {
    name: 'cvat-mask',
    make: makeCvat,
    mask: (r) => path.join(r, 'SegmentationClass', 'frame_000.png'),
    bytes: colorMaskPng(EW, EH, [0], () => [200, 200, 200]),
    listing: `rgb(200,200,200) (${EW * EH} px)`,
  },
  {
    name: 'cityscapes',
    make: makeCityscapes,
    mask: (r) =>
      path.join(r, 'gtFine', 'train', 'aachen', 'aachen_000000_000019_gtFine_labelIds.png'),
    bytes: greyMaskPng(EW, EH, [200]),
    listing: `200 (${EW * EH} px)`,
  },
  {
    name: 'mmseg (with a labels file)',
    make: async (r) => {
      await makeMmseg(r);
      write(
        path.join(r, 'labels.csv'),
        'id,name,r,g,b\n0,a,0,0,0\n1,b,1,1,1\n2,c,2,2,2\n255,ignore,9,9,9\n',
      );
    },
    mask: (r) => path.join(r, 'ann_dir', 'train', 'a.png'),
    bytes: greyMaskPng(EW, EH, [200]),
    listing: `200 (${EW * EH} px)`,
  },
];

describe('unknown ids in every format', () => {
  const work = tempDir('unknown-ids');
  afterAll(() => work.cleanup());

  for (const c of CASES) {
    it(`${c.name}: an all-200 mask is unknown_ids with its count`, async () => {
      const root = path.join(work.dir, c.name.replace(/\W+/g, '-'));
      await c.make(root);
      write(c.mask(root), c.bytes);
      const index = await openDataset(root, { deep: true });
      const problem = index.problems.find((p) => p.path === c.mask(root));
      expect(problem).toMatchObject({ reason: 'unknown_ids' });
      expect(problem!.detail).toContain(c.listing);
      expect(problem!.detail).toContain('every pixel of the mask');
      const usable = Object.values(index.splits).flatMap((s) => s.samples.map((r) => r.annotation));
      expect(usable).not.toContain(c.mask(root));
    });
  }
});
