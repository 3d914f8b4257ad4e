/**
 * CVAT, MMSegmentation and Cityscapes trees painted with rectangles of known size, opened by
 * the real CLI: `inspect --deep --json` must detect the layout, name the classes as the tool
 * defines them and count every class's pixels and images exactly.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassDef, Problem } from '../../shared/dataset/descriptor';
import { ensureBuilt } from '../support/build';
import { lastJsonLine, runSegstudio } from '../support/cli';
import { makeCityscapes, makeCvat, makeMmseg, type ExportTree } from './fixtures/exports';
import { tempDir, treeFingerprint } from '../support/folders';

interface Inspected {
  format: string;
  encoding: string;
  labelsSource: string;
  voidId: number | null;
  splits: Record<string, { listed: number; usable: number }>;
  classes: (ClassDef & { pixels: number; images: number })[];
  voidPixels: number;
  totalPixels: number;
  problems: Problem[];
}

function inspect(dir: string, ...args: string[]): Inspected {
  const run = runSegstudio(['inspect', dir, '--deep', '--json', ...args]);
  expect(run.stderr).not.toMatch(/Error:|at .*\.js/);
  expect(run.status).toBe(0);
  return lastJsonLine<Inspected>(run.stdout);
}

function countsOf(result: Inspected): Record<number, { pixels: number; images: number }> {
  return Object.fromEntries(
    result.classes
      .filter((c) => c.pixels > 0)
      .map((c) => [c.id, { pixels: c.pixels, images: c.images }]),
  );
}

const expectedOf = (tree: ExportTree) => Object.fromEntries(tree.expected);

/** Printed so the numbers can be read in the test log. */
function report(name: string, result: Inspected): void {
  const rows = result.classes
    .filter((c) => c.pixels > 0)
    .map(
      (c) =>
        `  ${String(c.id).padStart(3)} ${c.name.padEnd(14)} ${String(c.pixels).padStart(5)} px ${c.images} img${c.void ? ' (void)' : ''}`,
    );
  console.log(
    [
      `${name}: ${result.format}, void pixels ${result.voidPixels} of ${result.totalPixels}`,
      ...rows,
    ].join('\n'),
  );
}

describe('exports from other tools', () => {
  const work = tempDir('exports');
  const trees: Record<string, ExportTree> = {};
  beforeAll(async () => {
    ensureBuilt();
    trees['cvat'] = await makeCvat(path.join(work.dir, 'cvat'));
    trees['mmseg'] = await makeMmseg(path.join(work.dir, 'mmseg'));
    trees['cityscapes'] = await makeCityscapes(path.join(work.dir, 'cityscapes'));
  }, 60_000);
  afterAll(() => work.cleanup());

  it('CVAT Segmentation mask 1.1: labelmap colours, RGB and palette masks, unknown colours counted', () => {
    const dir = path.join(work.dir, 'cvat');
    const before = treeFingerprint(dir);
    const result = inspect(dir);
    report('cvat', result);
    expect(result.format).toBe('cvat-mask');
    expect(result.encoding).toBe('rgb');
    expect(result.labelsSource).toBe(path.join(dir, 'labelmap.txt'));
    expect(result.classes.map((c) => [c.id, c.name, c.color])).toEqual([
      [0, 'background', [0, 0, 0]],
      [1, 'road', [128, 64, 128]],
      [2, 'car', [0, 0, 142]],
      [3, 'person', [220, 20, 60]],
    ]);
    expect(result.splits).toEqual({ default: { listed: 4, usable: 3, unlabeled: 0 } });
    expect(countsOf(result)).toEqual(expectedOf(trees['cvat']!));
    // frame_000: 100 background + 82 road + 18 car; frame_001: 168 road + 32 person;
    // frame_002: 100 background + 100 car (a palette mask).
    expect(countsOf(result)).toEqual({
      0: { pixels: 200, images: 2 },
      1: { pixels: 250, images: 2 },
      2: { pixels: 118, images: 2 },
      3: { pixels: 32, images: 1 },
    });
    const unknown = result.problems.find((p) => p.sample === 'frame_003')!;
    expect(unknown.reason).toBe('unknown_ids');
    expect(unknown.detail).toContain('rgb(255,255,0) (12 px)');
    // The same labelmap given with --labels is accepted and gives the same classes.
    const given = inspect(dir, '--labels', path.join(dir, 'labelmap.txt'));
    expect(given.classes.map((c) => c.name)).toEqual(result.classes.map((c) => c.name));
    expect(treeFingerprint(dir)).toEqual(before);
  });

  it('MMSegmentation custom layout: index masks, 255 ignored, train/val/test', () => {
    const result = inspect(path.join(work.dir, 'mmseg'));
    report('mmseg', result);
    expect(result.format).toBe('mmseg');
    expect(Object.keys(result.splits)).toEqual(['train', 'val', 'test']);
    expect(result.voidId).toBe(255);
    expect(result.classes.find((c) => c.id === 255)?.void).toBe(true);
    expect(countsOf(result)).toEqual(expectedOf(trees['mmseg']!));
    expect(countsOf(result)).toEqual({
      0: { pixels: 291, images: 2 },
      1: { pixels: 106, images: 3 },
      2: { pixels: 184, images: 2 },
      255: { pixels: 219, images: 2 },
    });
    expect(result.voidPixels).toBe(219);
    expect(result.problems).toEqual([]);
  });

  it('Cityscapes: labelIds with the 34 labels, 19 evaluation classes, the rest ignored', () => {
    const result = inspect(path.join(work.dir, 'cityscapes'));
    report('cityscapes', result);
    expect(result.format).toBe('cityscapes');
    expect(result.classes).toHaveLength(34);
    const evaluated = result.classes.filter((c) => !c.void);
    expect(evaluated.map((c) => c.name)).toEqual([
      'road',
      'sidewalk',
      'building',
      'wall',
      'fence',
      'pole',
      'traffic light',
      'traffic sign',
      'vegetation',
      'terrain',
      'sky',
      'person',
      'rider',
      'car',
      'truck',
      'bus',
      'train',
      'motorcycle',
      'bicycle',
    ]);
    expect(result.classes.find((c) => c.id === 26)).toMatchObject({
      name: 'car',
      color: [0, 0, 142],
    });
    expect(result.classes.find((c) => c.id === 7)).toMatchObject({
      name: 'road',
      color: [128, 64, 128],
    });
    expect(result.splits).toEqual({
      train: { listed: 2, usable: 2, unlabeled: 0 },
      val: { listed: 1, usable: 1, unlabeled: 0 },
    });
    expect(countsOf(result)).toEqual(expectedOf(trees['cityscapes']!));
    // Ignored labels present: 1 ego vehicle (40 px), 0 unlabeled (10 px), 15 bridge (100 px).
    expect(result.voidPixels).toBe(150);
    expect(result.totalPixels).toBe(600);
    expect(result.problems).toEqual([]);
  });
});
