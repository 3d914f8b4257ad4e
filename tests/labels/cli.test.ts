import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../main/dataset/index';
import { readIdMask } from '../../main/dataset/label-source';
import { exportFile } from '../../main/labels/export';
import { openProjectDataset } from '../../main/labels/open';
import { datasetMask, saveLabel } from '../../main/labels/samples';
import { readProjectFile } from '../../main/services/project-store';
import { readRunFile } from '../../main/training/run-folder';
import { createServeHost } from '../../main/serve/host';
import { createAppServices } from '../../main/services/index';
import { ensureBuilt } from '../support/build';
import { serviceCalls } from '../support/services';
import { lastJsonLine, runSegstudio, trainProjectRun } from '../support/cli';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';

const segstudio = (...args: string[]) => runSegstudio(args, {}, 240_000);

interface Status {
  counts: Record<string, number>;
  samples: { split: string; id: string; name: string; state: string; edited: boolean }[];
}

async function openProject(projectDir: string) {
  const file = await readProjectFile(projectDir);
  return openProjectDataset(projectDir, file.descriptor, () =>
    openDataset(file.descriptor.root, { descriptor: file.descriptor }),
  );
}

describe('segstudio project init / labels / train --project on a dataset', () => {
  const work = tempDir('labels-cli');
  let dataset: string;
  const projectDir = path.join(work.dir, 'project');
  beforeAll(() => {
    ensureBuilt();
    dataset = makeMiniCamvid({ train: 4, val: 2 });
  });
  afterAll(() => {
    work.cleanup();
    rmSync(dataset, { recursive: true, force: true });
  });

  it('status counts dataset masks as labeled, in the exact JSON shape', async () => {
    const init = segstudio('project', 'init', dataset, '--project', projectDir, '--json');
    expect(init.status, init.stderr).toBe(0);
    const status = segstudio('labels', 'status', projectDir, '--json');
    expect(status.status, status.stderr).toBe(0);
    const result = lastJsonLine<Status>(status.stdout);
    expect(Object.keys(result)).toEqual(['counts', 'samples']);
    expect(Object.keys(result.counts)).toEqual([
      'unlabeled',
      'draft',
      'labeled',
      'reviewed',
      'edited',
    ]);
    expect(result.counts).toEqual({ unlabeled: 0, draft: 0, labeled: 6, reviewed: 0, edited: 0 });
    expect(Object.keys(result.samples[0]!)).toEqual(['split', 'id', 'name', 'state', 'edited']);

    // An edit (as the editor saves it) shows as edited; training reads it through the seam.
    const { index, store } = await openProject(projectDir);
    const record = index.split('train').samples[1]!;
    const mask = await datasetMask(index, record);
    const ids = Uint8Array.from(mask.ids).fill(4); // all "Building"... whichever id 4 is
    await saveLabel(index, store, {
      split: 'train',
      id: record.id,
      mask: { ...mask, ids },
      baseRevision: 0,
      source: 'human',
    });
    const after = lastJsonLine<Status>(segstudio('labels', 'status', projectDir, '--json').stdout);
    expect(after.counts.edited).toBe(1);
    expect(after.samples.find((s) => s.id === record.id)?.edited).toBe(true);

    const reopened = await openProject(projectDir);
    const sample = await reopened.index.source('train').load(1);
    const trainingIndex = reopened.index.mapper.classes.find((c) => c.datasetId === 4)!.index;
    expect(sample.label.every((v) => v === trainingIndex)).toBe(true);
    const untouched = await reopened.index.source('train').load(0);
    expect(untouched.label.some((v) => v !== trainingIndex)).toBe(true);
  });

  it('exports the current labels and trains on them in PROJECT/runs', async () => {
    const out = path.join(work.dir, 'index-export');
    const exported = segstudio(
      'labels',
      'export',
      projectDir,
      '--out',
      out,
      '--encoding',
      'index',
      '--json',
    );
    expect(exported.status, exported.stderr).toBe(0);
    expect(lastJsonLine<{ written: number }>(exported.stdout).written).toBe(6);
    const { index } = await openProject(projectDir);
    const edited = index.split('train').samples[1]!;
    const ids = (await readIdMask(exportFile(out, edited))).ids;
    expect(ids.every((v) => v === 4)).toBe(true);

    const train = trainProjectRun(projectDir, 'r1', '--val', 'none', '--steps', '1', '--json');
    expect(train.status, train.stderr).toBe(0);
    const run = await readRunFile(path.join(projectDir, 'runs', 'r1'));
    expect(run.dataset.labelsDir).toBe(path.join(projectDir, 'labels'));
  }, 300_000);
});

describe('segstudio project init from images, prelabel and rank', () => {
  const work = tempDir('labels-images');
  const images = path.join(work.dir, 'images');
  const projectDir = path.join(work.dir, 'project');
  let camvid: string;
  beforeAll(() => {
    ensureBuilt();
    camvid = makeMiniCamvid({ train: 5, val: 2 });
    cpSync(path.join(camvid, 'train'), images, { recursive: true });
    cpSync(path.join(camvid, 'val'), path.join(images, 'more'), { recursive: true });
  });
  afterAll(() => {
    work.cleanup();
    rmSync(camvid, { recursive: true, force: true });
  });

  it('starts unlabeled, trains on what was labelled, drafts the rest and never a human label', async () => {
    const init = segstudio(
      'project',
      'init',
      images,
      '--project',
      projectDir,
      '--classes',
      'sky,road,car',
      '--val-fraction',
      '0.3',
      '--json',
    );
    expect(init.status, init.stderr).toBe(0);
    const first = lastJsonLine<Status>(segstudio('labels', 'status', projectDir, '--json').stdout);
    expect(first.samples.length).toBe(7);
    expect(first.counts.unlabeled).toBe(7);

    // Label two train images by hand (sky on top, road below).
    const { index, store } = await openProject(projectDir);
    const images2 = index.splits['train']!.unlabeled!.slice(0, 2);
    expect(images2.length).toBe(2);
    for (const record of images2) {
      const ids = new Uint8Array(record.width * record.height);
      ids.fill(0, 0, ids.length / 2);
      ids.fill(1, ids.length / 2);
      await saveLabel(index, store, {
        split: 'train',
        id: record.id,
        mask: { width: record.width, height: record.height, ids },
        baseRevision: 0,
        source: 'human',
      });
    }
    const humanFiles = images2.map((r) => store.editOf('train', r.id)!.file);
    const humanBytes = humanFiles.map((f) => readFileSync(f));
    const labelled = lastJsonLine<Status>(
      segstudio('labels', 'status', projectDir, '--json').stdout,
    );
    expect(labelled.counts).toMatchObject({ unlabeled: 5, labeled: 2, edited: 2 });

    const train = trainProjectRun(projectDir, 'r1', '--val', 'none', '--json');
    expect(train.status, train.stderr).toBe(0);
    // Two labelled images, batch 2: one step per epoch (the unlabeled ones are skipped).
    expect(lastJsonLine<{ totalSteps: number }>(train.stdout).totalSteps).toBe(1);

    const pre = segstudio('labels', 'prelabel', projectDir, '--run', 'r1', '--json');
    expect(pre.status, pre.stderr).toBe(0);
    expect(lastJsonLine<{ drafted: number; skipped: number }>(pre.stdout)).toEqual({
      drafted: 5,
      skipped: 2,
    });
    humanFiles.forEach((f, i) => expect(readFileSync(f).equals(humanBytes[i]!)).toBe(true));
    const drafted = lastJsonLine<Status>(
      segstudio('labels', 'status', projectDir, '--json').stdout,
    );
    expect(drafted.counts).toMatchObject({ unlabeled: 0, draft: 5, labeled: 2, edited: 7 });
    const again = segstudio('labels', 'prelabel', projectDir, '--run', 'r1', '--json');
    expect(lastJsonLine<{ drafted: number }>(again.stdout).drafted).toBe(5); // drafts refresh
    humanFiles.forEach((f, i) => expect(readFileSync(f).equals(humanBytes[i]!)).toBe(true));

    const ranked = segstudio('labels', 'rank', projectDir, '--run', 'r1', '--json');
    expect(ranked.status, ranked.stderr).toBe(0);
    const list = lastJsonLine<{ samples: { id: string; state: string; entropy: number }[] }>(
      ranked.stdout,
    ).samples;
    expect(list.length).toBe(5);
    expect(list.every((s) => s.state === 'draft')).toBe(true);
    for (let i = 1; i < list.length; i++) {
      expect(list[i - 1]!.entropy).toBeGreaterThanOrEqual(list[i]!.entropy);
    }
    expect(existsSync(path.join(projectDir, 'labels', 'images.json'))).toBe(true);

    // The labels service runs the same jobs in a worker, the main process saving the drafts.
    const services = createAppServices(createServeHost(path.join(work.dir, 'data')));
    const { call } = serviceCalls(() => services);
    try {
      await call('project:openProject', { projectDir });
      const viaService = await call<{ id: string; entropy: number }[]>('labels:rank', {
        run: 'r1',
      });
      expect(viaService.map((s) => s.id)).toEqual(list.map((s) => s.id));
      const pre2 = await call<{ drafted: number; skipped: number }>('labels:prelabel', {
        run: 'r1',
      });
      expect(pre2).toEqual({ drafted: 5, skipped: 2 });
      humanFiles.forEach((f, i) => expect(readFileSync(f).equals(humanBytes[i]!)).toBe(true));
      const status = await call<Status>('labels:status');
      expect(status.counts).toMatchObject({ draft: 5, labeled: 2 });
    } finally {
      await services.dispose();
    }
  }, 400_000);
});
