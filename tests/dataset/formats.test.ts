import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat, IGNORE_LABEL, openDataset } from '../../main/dataset/index';
import {
  makeAde20k,
  makeFolders,
  makeFoldersRgbCsv,
  makeI2dl,
  makePairListRgbIndex,
  makeSeed,
  makeVoc,
} from './fixtures/formats';
import { tempDir } from '../support/folders';

const work = tempDir('formats');
afterAll(() => work.cleanup());

async function fixture(name: string, make: (root: string) => Promise<void>): Promise<string> {
  const root = path.join(work.dir, name);
  await make(root);
  return root;
}

/** Labels of the first sample of `split`, as the set of values present. */
async function labelValues(root: string, split: string, opts = {}): Promise<number[]> {
  const index = await openDataset(root, opts);
  const sample = await index.source(split).load(0);
  return [...new Set(sample.label)].sort((a, b) => a - b);
}

describe('dataset formats', () => {
  it('seed layout: name lists, NAME_GT targets, id in R with id 0 = void', async () => {
    const root = await fixture('seed', makeSeed);
    expect((await detectFormat(root)).format).toBe('seed');
    const index = await openDataset(root);
    expect(index.problems).toEqual([]);
    expect(index.descriptor).toMatchObject({
      format: 'seed',
      encoding: 'rgb',
      rgbMapping: 'red-id',
      voidId: 0,
    });
    expect(index.splits['train']).toMatchObject({ listed: 3, usable: 3 });
    expect(index.splits['val']).toMatchObject({ listed: 2, usable: 2 });
    expect(index.splits['train']!.samples.map((s) => s.id)).toEqual(['a_1', 'a_2', 'b_1']);
    expect(index.splits['train']!.samples[1]!.annotation).toBe(
      path.join(root, 'targets', 'a_2_GT.png'),
    );
    const source = index.source('train');
    expect(source.classes.map((c) => c.name)).toEqual(['grass', 'sky', 'road']);
    expect(await labelValues(root, 'train')).toEqual([0, 1, 2, IGNORE_LABEL]);
  });

  it('I2DL original: BMP files, arbitrary colours, void id -1', async () => {
    const root = await fixture('i2dl', makeI2dl);
    const index = await openDataset(root, { deep: true });
    expect(index.problems).toEqual([]);
    expect(index.descriptor).toMatchObject({
      format: 'seed',
      encoding: 'rgb',
      rgbMapping: 'colors',
      voidId: -1,
    });
    expect(index.splits['train']).toMatchObject({ listed: 2, usable: 2 });
    const sample = await index.source('val').load(0);
    expect(sample).toMatchObject({ id: '2_1_s', width: 24, height: 16 });
    expect([...new Set(sample.label)].sort((a, b) => a - b)).toEqual([0, 1, 2, IGNORE_LABEL]);
    expect(sample.image.subarray(0, 3)).toEqual(new Uint8Array([80, 40, 140])); // rgbPixels seed 2 at (0,0)
  });

  it('ADE20K: training/validation folders, 0 = other (void), names from objectInfo150.csv', async () => {
    const root = await fixture('ade', makeAde20k);
    const guess = await detectFormat(root);
    expect(guess.format).toBe('ade20k');
    const index = await openDataset(root);
    expect(index.descriptor.root).toBe(path.join(root, 'ADEChallengeData2016'));
    expect(index.descriptor.voidId).toBe(0);
    expect(index.splits['train']).toMatchObject({ listed: 4, usable: 4 });
    expect(index.splits['val']).toMatchObject({ listed: 2, usable: 2 });
    expect(index.source('train').classes.map((c) => c.name)).toEqual([
      'wall',
      'building',
      'sky',
      'floor',
      'tree',
    ]);
    expect(await labelValues(root, 'train')).toEqual([0, 1, 2, 4, IGNORE_LABEL]);
  });

  it('ADE20K without objectInfo150.csv: classes are the ids found, named "class N"', async () => {
    const root = await fixture('ade-bare', (r) => makeAde20k(r, false));
    const index = await openDataset(root);
    expect(index.descriptor.labelsSource).toBe('discovered');
    expect(index.descriptor.classes.map((c) => c.name)).toEqual([
      'void',
      'class 1',
      'class 2',
      'class 3',
      'class 5',
    ]);
    expect(index.descriptor.voidId).toBe(0);
  });

  it('Pascal VOC: palette PNGs, 255 = void, ImageSets/Segmentation lists', async () => {
    const root = await fixture('voc', makeVoc);
    expect((await detectFormat(root)).format).toBe('voc');
    const index = await openDataset(root, { deep: true });
    expect(index.problems).toEqual([]);
    expect(index.descriptor).toMatchObject({ format: 'voc', encoding: 'palette', voidId: 255 });
    expect(index.splits['train']).toMatchObject({ listed: 3, usable: 3 });
    expect(index.splits['val']).toMatchObject({ listed: 1, usable: 1 });
    const source = index.source('train');
    expect(source.classes).toHaveLength(21);
    expect(source.classes[15]?.name).toBe('person');
    const sample = await source.load(0);
    expect([...new Set(sample.label)].sort((a, b) => a - b)).toEqual([0, 1, 15, IGNORE_LABEL]);
  });

  it('Pascal VOC: an unreadable split list is reported, the other splits open', async () => {
    const root = await fixture('voc-dangling', makeVoc);
    const list = path.join(root, 'VOCdevkit', 'VOC2012', 'ImageSets', 'Segmentation', 'val.txt');
    const { rmSync, symlinkSync } = await import('node:fs');
    rmSync(list);
    symlinkSync(path.join(root, 'gone.txt'), list);
    const index = await openDataset(root);
    expect(index.problems).toEqual([
      expect.objectContaining({ split: 'val', sample: '', path: list, reason: 'unreadable' }),
    ]);
    expect(index.problems[0]!.detail).toMatch(/^list file val\.txt cannot be read \(ENOENT/);
    expect(index.splits['val']).toMatchObject({ listed: 1, usable: 0 });
    expect(index.splits['train']).toMatchObject({ listed: 3, usable: 3 });
  });

  it('folder pairs: split subfolders, NAME_mask files, classes discovered from index masks', async () => {
    const root = await fixture('folders', makeFolders);
    expect((await detectFormat(root)).format).toBe('folder-pairs');
    const index = await openDataset(root);
    expect(index.problems).toEqual([]);
    expect(index.splits['train']).toMatchObject({ listed: 3, usable: 3 });
    expect(index.splits['val']).toMatchObject({ listed: 1, usable: 1 });
    expect(index.descriptor.classes).toEqual([
      { id: 0, name: 'class 0', color: [0, 0, 0] },
      { id: 4, name: 'class 4', color: [0, 0, 128] },
      { id: 7, name: 'class 7', color: [128, 128, 128] },
    ]);
    expect(index.descriptor.voidId).toBeNull();
    expect(await labelValues(root, 'val')).toEqual([0, 1, 2]);
  });

  it('folder pairs with colour masks and a name,r,g,b CSV', async () => {
    const root = await fixture('folders-rgb', makeFoldersRgbCsv);
    const index = await openDataset(root, { deep: true });
    expect(index.problems).toEqual([]);
    expect(index.descriptor).toMatchObject({ encoding: 'rgb', rgbMapping: 'colors', voidId: 2 });
    expect(index.splits['all']).toMatchObject({ listed: 2, usable: 2 });
    expect(await labelValues(root, 'all')).toEqual([0, 1, IGNORE_LABEL]);
  });

  it('reports colours the labels do not know, naming the colour and pixel count', async () => {
    const root = await fixture('i2dl-odd', makeI2dl);
    const { writeFileSync } = await import('node:fs');
    const { encodeBmp } = await import('../../main/dataset/codecs/bmp');
    const { colorMaskRgb } = await import('./fixtures/images');
    const odd = colorMaskRgb(24, 16, [0, 1], (id) => (id === 0 ? [128, 0, 0] : [1, 2, 3]));
    writeFileSync(
      path.join(root, 'targets', '1_2_s_GT.bmp'),
      encodeBmp({ width: 24, height: 16, data: odd }),
    );
    const index = await openDataset(root, { deep: true });
    expect(index.problems).toHaveLength(1);
    expect(index.problems[0]).toMatchObject({ sample: '1_2_s', reason: 'unknown_ids' });
    expect(index.problems[0]!.detail).toContain(
      '192 px with colours not in the labels: rgb(1,2,3) (192 px)',
    );
    expect(index.splits['train']).toMatchObject({ listed: 2, usable: 1 });
  });

  it('reports an unusable labels file and falls back to the ids found', async () => {
    const root = await fixture('ade-badlabels', (r) => makeAde20k(r, false));
    const { writeFileSync } = await import('node:fs');
    const labels = path.join(root, 'ADEChallengeData2016', 'labels.json');
    writeFileSync(labels, '[{"id": 1, "name": "wall"}, {"id": 1, "name": "again"}]');
    const index = await openDataset(root);
    expect(index.problems).toEqual([
      {
        split: '',
        sample: '',
        path: labels,
        reason: 'labels_file',
        detail: 'labels file labels.json cannot be used: class id 1 appears twice',
      },
    ]);
    expect(index.descriptor.labelsSource).toBe('discovered');
    expect(index.splits['train']!.usable).toBe(4);
  });

  it('pair list from Windows with index masks saved as RGB: still index, ids from R', async () => {
    const root = await fixture('pairlist-rgb-index', makePairListRgbIndex);
    const index = await openDataset(root, { deep: true });
    expect(index.problems).toEqual([]);
    expect(index.descriptor).toMatchObject({ format: 'pair-list', encoding: 'index', voidId: 2 });
    expect(index.splits['train']).toMatchObject({ listed: 2, usable: 2 });
    expect(index.splits['train']!.samples[1]!.annotation).toBe(
      path.join(root, 'annotations', 'f2.png'),
    );
    expect(await labelValues(root, 'train')).toEqual([0, 1, IGNORE_LABEL]);
  });

  it('honours an explicit format and labels file', async () => {
    const root = await fixture('seed-override', makeSeed);
    const labels = path.join(work.dir, 'my-labels.csv');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      labels,
      'id,name,r,g,b\n0,nothing,0,0,0,void\n1,lawn,0,200,0\n2,heaven,0,0,200\n3,street,90,90,90\n',
    );
    const index = await openDataset(root, { format: 'seed', labelsFile: labels });
    expect(index.descriptor.labelsSource).toBe(labels);
    expect(index.source('train').classes.map((c) => c.name)).toEqual(['lawn', 'heaven', 'street']);
    // A labels file the user named and that cannot be used stops the open, saying why.
    await expect(
      openDataset(root, { labelsFile: path.join(work.dir, 'none.csv') }),
    ).rejects.toThrow(
      `labels file ${path.join(work.dir, 'none.csv')} cannot be used: it does not exist`,
    );
  });
});
