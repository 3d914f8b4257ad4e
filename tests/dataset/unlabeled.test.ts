import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset, type DatasetIndex } from '../../main/dataset/index';
import { ensureBuilt } from '../support/build';
import { lastJsonLine, runSegstudio, trainProjectRun } from '../support/cli';
import { CAMVID, copyCamvidSubset, unlabelLastOf } from '../support/datasets';
import { tempDir } from '../support/folders';
import { makeCityscapes, makeCvat, makeMmseg } from './fixtures/exports';
import { FORMAT_LAYOUTS, makeFoldersRgbCsv } from './fixtures/formats';
import { photoPng } from './fixtures/images';
import { write } from './fixtures/write';

/** Every generated layout, the pair list last: its lines name their annotation files. */
const LAYOUTS: [string, (root: string) => Promise<unknown>][] = [
  ...FORMAT_LAYOUTS,
  ['CVAT mask 1.1', makeCvat],
  ['MMSegmentation', makeMmseg],
  ['Cityscapes', makeCityscapes],
];

const firstSample = (index: DatasetIndex) =>
  Object.values(index.splits).find((s) => s.samples.length > 0)!.samples[0]!;

describe('an image whose annotation file does not exist', () => {
  const work = tempDir('unlabeled');
  afterAll(() => work.cleanup());

  it.each(LAYOUTS)('%s: is an unlabeled sample, not a problem', async (name, make) => {
    const root = path.join(work.dir, name.replace(/\W+/g, '-'));
    await make(root);
    const before = await openDataset(root);
    const gone = firstSample(before);
    rmSync(gone.annotation);
    const after = await openDataset(root);
    const split = after.splits[gone.split]!;
    const was = before.splits[gone.split]!;
    const own = after.problems.filter((p) => p.sample === gone.id && p.split === gone.split);
    if (after.descriptor.format === 'pair-list') {
      // The list line names the annotation file: it should be there, so this is a problem.
      expect(own.map((p) => p.reason)).toEqual(['missing_annotation']);
      expect(split.unlabeled).toBeUndefined();
    } else {
      expect(own).toEqual([]);
      expect(split.unlabeled?.map((r) => [r.id, r.image, r.annotation])).toEqual([
        [gone.id, gone.image, ''],
      ]);
      expect(after.findSample(gone.id, gone.split)).toBeUndefined();
      expect(after.findLabelable(gone.id, gone.split)?.image).toBe(gone.image);
    }
    expect(after.problems.length).toBe(before.problems.length + own.length);
    expect(split).toMatchObject({ listed: was.listed, usable: was.usable - 1 });
  });

  it('folder pairs without splits: an image with no mask anywhere below masks/', async () => {
    const root = path.join(work.dir, 'flat');
    await makeFoldersRgbCsv(root);
    write(path.join(root, 'images', 'deep', 'r.png'), await photoPng(32, 24, 2));
    const index = await openDataset(root, { deep: true });
    expect(index.problems).toEqual([]);
    expect(index.splits['all']).toMatchObject({ listed: 3, usable: 2 });
    expect(index.splits['all']!.unlabeled?.map((r) => r.id)).toEqual(['deep/r']);
  });
});

describe('a CamVid copy with some annotation files removed', () => {
  const work = tempDir('unlabeled-camvid');
  const projectDir = path.join(work.dir, 'project');
  const segstudio = (...args: string[]) => runSegstudio(args, {}, 240_000);
  let dataset: string;
  let unlabeledTrain: string[];
  let unlabeledVal: string[];
  let namedButGone: string;

  beforeAll(() => {
    ensureBuilt();
    dataset = copyCamvidSubset({ train: 10, val: 4 }, 'unlabeled');
    unlabeledTrain = unlabelLastOf(dataset, 'train', 3);
    unlabeledVal = unlabelLastOf(dataset, 'val', 1);
    // The first train line still names its annotation, whose file is deleted: a problem.
    namedButGone = '0001TP_006690';
    rmSync(path.join(dataset, 'trainannot', `${namedButGone}.png`));
  });
  afterAll(() => {
    work.cleanup();
    rmSync(dataset, { recursive: true, force: true });
  });

  it('inspect counts the unlabeled samples and reports only the annotation a line names', () => {
    expect(CAMVID).not.toBe(dataset);
    const run = segstudio('inspect', dataset, '--json');
    expect(run.status, run.stderr).toBe(0);
    const result = lastJsonLine<{
      splits: Record<string, unknown>;
      problems: { sample: string; reason: string; detail: string }[];
    }>(run.stdout);
    expect(result.splits).toEqual({
      train: { listed: 10, usable: 6, unlabeled: 3 },
      val: { listed: 4, usable: 3, unlabeled: 1 },
    });
    expect(result.problems.map((p) => [p.sample, p.reason, p.detail])).toEqual([
      [
        namedButGone,
        'missing_annotation',
        `annotation trainannot/${namedButGone}.png does not exist`,
      ],
    ]);
    const human = segstudio('inspect', dataset, '--quick');
    expect(human.stdout).toMatch(/train\s+10\s+6\s+3\n/);
  });

  it('labels status counts them unlabeled; training and evaluation say they are not used', () => {
    const init = segstudio('project', 'init', dataset, '--project', projectDir, '--json');
    expect(init.status, init.stderr).toBe(0);
    const status = segstudio('labels', 'status', projectDir, '--json');
    expect(status.status, status.stderr).toBe(0);
    const result = lastJsonLine<{
      counts: Record<string, number>;
      samples: { split: string; id: string; state: string }[];
    }>(status.stdout);
    expect(result.counts).toEqual({ unlabeled: 4, draft: 0, labeled: 9, reviewed: 0, edited: 0 });
    expect(result.samples.filter((s) => s.state === 'unlabeled').map((s) => s.id)).toEqual([
      ...unlabeledTrain,
      ...unlabeledVal,
    ]);

    const train = trainProjectRun(projectDir, 'r1', '--steps', '1');
    expect(train.status, train.stderr).toBe(0);
    const trainOut = train.stdout + train.stderr;
    expect(trainOut).toContain('3 unlabeled samples not used (split train');
    expect(trainOut).toContain('1 unlabeled sample not used (split val');

    const evaluation = segstudio('eval', path.join(projectDir, 'runs', 'r1'), '--split', 'val');
    expect(evaluation.status, evaluation.stderr).toBe(0);
    expect(evaluation.stdout + evaluation.stderr).toContain(
      '1 unlabeled sample not used (split val',
    );
  }, 300_000);
});
