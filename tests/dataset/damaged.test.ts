import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset, type DatasetIndex } from '../../main/dataset/index';
import {
  DAMAGED_EXPECTED,
  DAMAGED_GOOD,
  DAMAGED_UNLABELED,
  H,
  makeDamaged,
  W,
} from './fixtures/damaged';
import { photoPng } from './fixtures/images';
import { corruptPng } from './fixtures/png';
import { write } from './fixtures/write';
import { tempDir, treeFingerprint } from '../support/folders';

describe('a damaged dataset', () => {
  const work = tempDir('damaged');
  const root = path.join(work.dir, 'CamVid');
  let before: Record<string, string>;
  let quick: DatasetIndex;
  let deep: DatasetIndex;

  beforeAll(async () => {
    await makeDamaged(root);
    before = treeFingerprint(root);
    quick = await openDataset(root);
    deep = await openDataset(root, { deep: true });
  });
  afterAll(() => work.cleanup());

  it('reports every bad sample with its reason and keeps the good ones usable', () => {
    const bySample = new Map<string, string[]>();
    for (const p of deep.problems)
      bySample.set(p.sample, [...(bySample.get(p.sample) ?? []), p.reason]);
    for (const [sample, reason] of Object.entries(DAMAGED_EXPECTED)) {
      expect({ sample, reasons: bySample.get(sample) }).toEqual({ sample, reasons: [reason] });
    }
    expect(bySample.get('three_columns')).toEqual(['bad_list_line']);
    expect(deep.splits['train']!.samples.map((s) => s.id)).toEqual(DAMAGED_GOOD);
    const listed =
      DAMAGED_GOOD.length + Object.keys(DAMAGED_EXPECTED).length + DAMAGED_UNLABELED.length + 1;
    expect(deep.splits['train']).toMatchObject({ listed, usable: DAMAGED_GOOD.length });
  });

  it('keeps an image listed without an annotation as an unlabeled sample, not a problem', () => {
    for (const index of [quick, deep]) {
      const unlabeled = index.splits['train']!.unlabeled ?? [];
      expect(unlabeled.map((s) => [s.id, s.annotation, s.width, s.height])).toEqual(
        DAMAGED_UNLABELED.map((id) => [id, '', W, H]),
      );
      expect(unlabeled[0]!.image).toBe(path.join(root, 'train', `${DAMAGED_UNLABELED[0]}.png`));
      for (const id of DAMAGED_UNLABELED) {
        expect(index.problems.filter((p) => p.sample === id)).toEqual([]);
        expect(index.findSample(id)).toBeUndefined();
      }
      expect(index.unlabeledNote('train')).toBe(
        '1 unlabeled sample not used (split train: no annotation file or edit yet)',
      );
    }
  });

  it('names the file and says what is wrong', () => {
    const detail = (sample: string): string =>
      deep.problems.find((p) => p.sample === sample)?.detail ?? '';
    const problem = (sample: string) => deep.problems.find((p) => p.sample === sample)!;
    expect(detail('small_ann')).toBe(
      'annotation trainannot/small_ann.png is 32x22 but image train/small_ann.png is 32x24',
    );
    expect(problem('small_ann').path).toBe(path.join(root, 'trainannot', 'small_ann.png'));
    expect(detail('odd_ids')).toContain('17 (');
    expect(detail('odd_ids')).toContain('200 (');
    expect(detail('odd_ids')).toMatch(/has 384 px with values not in the labels/);
    expect(detail('missing_img')).toBe('image train/missing_img.png does not exist');
    expect(detail('nowhere')).toContain('/elsewhere/nowhere.png');
    expect(detail('bomb')).toContain('20000x20000');
    expect(detail('rotated')).toContain('orientation 6');
    expect(detail('empty_img')).toContain('0 bytes');
    expect(problem('three_columns').detail).toContain('train.txt line');
    expect(detail('missing_ann')).toBe('annotation trainannot/missing_ann.png does not exist');
  });

  it('finds the file-level problems from headers alone; value problems need the mask pass', () => {
    const quickSamples = new Set(quick.problems.map((p) => p.sample));
    for (const [sample, reason] of Object.entries(DAMAGED_EXPECTED)) {
      const needsPixels = reason === 'unknown_ids' || reason === 'corrupt_file';
      expect({ sample, found: quickSamples.has(sample) }).toEqual({ sample, found: !needsPixels });
    }
  });

  it('never writes to the dataset folder', () => {
    expect(treeFingerprint(root)).toEqual(before);
  });

  it('keeps a sample with an undecodable mask out even when no mask of the dataset decodes', async () => {
    const only = path.join(work.dir, 'only-corrupt');
    write(path.join(only, 'img', 'a.png'), await photoPng(W, H, 1));
    write(path.join(only, 'ann', 'a.png'), corruptPng(W, H));
    write(path.join(only, 'train.txt'), 'img/a.png ann/a.png\n');
    write(path.join(only, 'labels.json'), '[{"id": 0, "name": "sky", "rgb_values": [1, 2, 3]}]');
    const index = await openDataset(only, { deep: true });
    expect(index.problems.map((p) => [p.sample, p.reason])).toEqual([['a', 'corrupt_file']]);
    expect(index.splits['train']).toMatchObject({ listed: 1, usable: 0 });
  });

  it('limits pixels per image as configured', async () => {
    const strict = await openDataset(root, { maxPixels: 500 });
    expect(strict.splits['train']!.usable).toBe(0);
    expect(strict.problems.filter((p) => p.sample === 'good_1').map((p) => p.reason)).toEqual([
      'too_many_pixels',
      'too_many_pixels',
    ]);
  });
});
