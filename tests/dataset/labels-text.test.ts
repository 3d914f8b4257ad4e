import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../shared/dataset/csv';
import { parseLabels, parseLabelsCsv } from '../../shared/dataset/labels';
import { parseLabelmap } from '../../shared/dataset/labelmap';
import { openDataset } from '../../main/dataset/index';
import { greyMaskPng, photoPng } from './fixtures/images';
import { write } from './fixtures/write';
import { tempDir } from '../support/folders';

describe('CSV (RFC 4180)', () => {
  it('keeps a quoted delimiter, doubled quotes and quoted line breaks inside one field', () => {
    const parsed = parseCsv('id,name\r\n1,"road, wet"\n2,"the ""main"" road"\n3,"two\nlines"\n');
    expect(parsed).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ['id', 'name'] },
        { line: 2, fields: ['1', 'road, wet'] },
        { line: 3, fields: ['2', 'the "main" road'] },
        { line: 4, fields: ['3', 'two\nlines'] },
      ],
    });
  });

  it('says where a quote is never closed or stray', () => {
    expect(parseCsv('a,b\n1,"open\n')).toEqual({
      ok: false,
      error: 'line 2: a quoted field is never closed',
    });
    expect(parseCsv('a,b"c\n')).toMatchObject({
      ok: false,
      error: expect.stringContaining('line 1'),
    });
  });

  it('reads labels whose names carry the delimiter', () => {
    expect(
      parseLabelsCsv('id,name,r,g,b\n0,"road, wet",128,64,128\n1,"car; parked",0,0,142\n'),
    ).toEqual({
      ok: true,
      classes: [
        { id: 0, name: 'road, wet', color: [128, 64, 128] },
        { id: 1, name: 'car; parked', color: [0, 0, 142] },
      ],
    });
    // Semicolon files (some spreadsheet locales) still work.
    expect(parseLabelsCsv('name;r;g;b\nsky;1;2;3\n')).toMatchObject({
      ok: true,
      classes: [{ id: 0, name: 'sky' }],
    });
  });

  it('opens a dataset whose class_dict.csv quotes a name', async () => {
    const work = tempDir('csv-quoted');
    try {
      write(path.join(work.dir, 'class_dict.csv'), 'name,r,g,b\n"road, wet",0,0,0\nsky,1,1,1\n');
      write(path.join(work.dir, 'images', 'a.png'), await photoPng(8, 4));
      write(path.join(work.dir, 'masks', 'a.png'), greyMaskPng(8, 4, [0, 1]));
      const index = await openDataset(work.dir);
      expect(index.descriptor.classes.map((c) => c.name)).toEqual(['road, wet', 'sky']);
      expect(index.problems).toEqual([]);
    } finally {
      work.cleanup();
    }
  });
});

describe('CVAT labelmap.txt', () => {
  const text =
    '# label:color_rgb:parts:actions\nbackground:0,0,0::\nroad:128,64,128:lane:\n\ncar:0,0,142::\n';

  it('reads name:r,g,b:parts:actions in line order, skipping comments and blank lines', () => {
    expect(parseLabelmap(text)).toEqual({
      ok: true,
      classes: [
        { id: 0, name: 'background', color: [0, 0, 0] },
        { id: 1, name: 'road', color: [128, 64, 128] },
        { id: 2, name: 'car', color: [0, 0, 142] },
      ],
    });
    expect(parseLabels(text, '/x/labelmap.txt')).toMatchObject({ ok: true });
  });

  it('refuses a malformed line, a colour out of range, and two labels with one colour', () => {
    expect(parseLabelmap('road 1,2,3\n')).toEqual({
      ok: false,
      error: 'line 1: expected name:r,g,b:parts:actions',
    });
    expect(parseLabelmap('a:0,0,0::\nb:0,0,300::\n')).toMatchObject({
      ok: false,
      error: expect.stringContaining('line 2'),
    });
    expect(parseLabelmap('a:1,2,3::\nb:1,2,3::\n')).toEqual({
      ok: false,
      error: 'line 2: "b" has the colour of "a" (1,2,3)',
    });
  });
});

describe('folder pairs: the split rule and what is left out', () => {
  const work = tempDir('folder-rule');
  afterAll(() => work.cleanup());

  it('walks sub-folders when images/ mixes files and folders, naming what it leaves out', async () => {
    const root = path.join(work.dir, 'mixed');
    const photo = await photoPng(8, 4);
    const mask = greyMaskPng(8, 4, [0, 1]);
    write(path.join(root, 'images', 'top.png'), photo);
    write(path.join(root, 'masks', 'top.png'), mask);
    write(path.join(root, 'images', 'city', 'inner.png'), photo);
    write(path.join(root, 'masks', 'city', 'inner_mask.png'), mask);
    write(path.join(root, 'images', 'notes.txt'), 'not an image');
    write(path.join(root, 'masks', 'lonely.png'), mask); // an orphan mask
    const index = await openDataset(root);
    expect(Object.keys(index.splits)).toEqual(['all']);
    expect(index.splits['all']!.samples.map((s) => s.id).sort()).toEqual(['city/inner', 'top']);
    const lonely = index.problems.find((p) => p.sample === 'lonely')!;
    expect(lonely).toMatchObject({
      reason: 'missing_image',
      path: path.join(root, 'masks', 'lonely.png'),
    });
    expect(lonely.detail).toContain('annotation masks/lonely.png has no image');
    expect(index.problems.find((p) => p.reason === 'left_out')).toMatchObject({
      path: path.join(root, 'images', 'notes.txt'),
      detail: 'images/notes.txt is not an image file name, so it is not part of the dataset',
    });
  });

  it('uses split folders when every entry is a folder, and names an empty one', async () => {
    const root = path.join(work.dir, 'splits');
    write(path.join(root, 'images', 'train', 'a.png'), await photoPng(8, 4));
    write(path.join(root, 'masks', 'train', 'a.png'), greyMaskPng(8, 4, [0, 1]));
    write(path.join(root, 'images', 'val', '.keep'), '');
    write(path.join(root, 'masks', 'extra', 'b.png'), greyMaskPng(8, 4, [0, 1]));
    const index = await openDataset(root);
    expect(Object.keys(index.splits)).toEqual(['train', 'val']);
    expect(index.splits['train']).toMatchObject({ listed: 1, usable: 1 });
    const leftOut = index.problems.filter((p) => p.reason === 'left_out').map((p) => p.detail);
    expect(leftOut).toEqual(
      expect.arrayContaining([
        'split folder images/val has no images',
        'masks/extra has no matching folder in images, so its masks are not used',
      ]),
    );
  });
});
