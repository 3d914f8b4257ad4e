import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectSummary } from '../../shared/contracts/project';
import type { SampleDetail, SampleRow } from '../../shared/contracts/dataset';
import type { ClassInfo, JobProgress } from '../../shared/contracts/common';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import { sampleDatasetDir } from '../../main/services/project';
import { reopenLastProject } from '../../main/services/restore';
import { serviceCalls } from '../support/services';

// Real services on the real bundled sample: nothing mocked, files on disk.
let base: string;
let services: AppServices;
const events: { channel: string; payload: unknown }[] = [];

const { call, callError } = serviceCalls(() => services);

function treeHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else hash.update(`${path.relative(dir, p)}:${s.size}:${s.mtimeMs}:`).update(readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

let sampleHashBefore: string;

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'segstudio-services-'));
  services = createAppServices(createServeHost(path.join(base, 'data')));
  services.events.addSink((channel, payload) => events.push({ channel, payload }));
  sampleHashBefore = treeHash(sampleDatasetDir());
});

afterAll(async () => {
  await services.dispose();
  rmSync(base, { recursive: true, force: true });
});

describe('project service', () => {
  it('has no project and no recent entries at first', async () => {
    expect(await call('project:current')).toBeNull();
    expect(await call('project:recent')).toEqual([]);
    expect((await callError('dataset:classes')).code).toBe('no_project');
  });

  it('detects the sample as a pair-list dataset', async () => {
    const guess = await call<{ format: string; reasons: string[] }>('project:detect', {
      datasetDir: sampleDatasetDir(),
    });
    expect(guess.format).toBe('pair-list');
    expect(guess.reasons.join(' ')).toMatch(/train\.txt/);
  });

  it('opens the bundled sample into the data dir, copy-free', async () => {
    const summary = await call<ProjectSummary>('project:openSample');
    expect(summary).toMatchObject({
      format: 'pair-list',
      isSample: true,
      datasetRoot: sampleDatasetDir(),
      splits: { train: { listed: 40, usable: 40 }, val: { listed: 12, usable: 12 } },
      voidId: 6,
      problemCount: 0,
    });
    expect(summary.projectDir).toBe(path.join(base, 'data', 'projects', 'sample'));
    expect(summary.classes.map((c) => c.name)).toEqual([
      'Sky',
      'Building',
      'Road',
      'Pavement',
      'Tree',
      'Car',
      'Unlabelled',
    ]);
    expect(summary.classes.find((c) => c.id === 6)).toMatchObject({ void: true, index: null });
    const project = JSON.parse(
      readFileSync(path.join(summary.projectDir, 'segstudio-project.json'), 'utf8'),
    ) as { name: string; created: number; descriptor: { root: string } };
    expect(project.descriptor.root).toBe(sampleDatasetDir());
    for (const dir of ['cache', 'runs', 'exports']) {
      expect(statSync(path.join(summary.projectDir, dir)).isDirectory()).toBe(true);
    }
    expect(services.session.require().projectDir).toBe(summary.projectDir);
    const jobs = events
      .filter((e) => e.channel === 'project@job')
      .map((e) => e.payload as JobProgress);
    expect(jobs.filter((j) => j.kind === 'index').at(-1)).toMatchObject({ state: 'done' });
    expect(events.some((e) => e.channel === 'project@changed')).toBe(true);
    const recent = await call<{ projectDir: string }[]>('project:recent');
    expect(recent[0]?.projectDir).toBe(summary.projectDir);
  });

  it('makes the first thumbnails in the background, reported as a job', async () => {
    await expect
      .poll(
        () =>
          events.some(
            (e) =>
              e.channel === 'project@job' &&
              (e.payload as JobProgress).kind === 'thumbnails' &&
              (e.payload as JobProgress).state === 'done',
          ),
        { timeout: 30_000 },
      )
      .toBe(true);
    const thumbs = readdirSync(path.join(services.session.require().cacheDir, 'thumbnails'));
    expect(thumbs.filter((f) => f.endsWith('.jpg')).length).toBe(52);
  });

  it('refuses missing folders and project folders inside the dataset, naming them', async () => {
    const missing = await callError('project:openDataset', { datasetDir: path.join(base, 'nope') });
    expect(missing.message).toContain(path.join(base, 'nope'));
    const copy = path.join(base, 'copy');
    cpSync(sampleDatasetDir(), copy, { recursive: true });
    const inside = await callError('project:openDataset', {
      datasetDir: copy,
      projectDir: path.join(copy, 'project'),
    });
    expect(inside.code).toBe('project_inside_dataset');
    const notProject = await callError('project:openProject', { projectDir: copy });
    expect(notProject.message).toMatch(/not a Seg Studio project/);
  });

  it('explains a folder with no known layout', async () => {
    const empty = path.join(base, 'not-a-dataset');
    mkdirSync(empty);
    writeFileSync(path.join(empty, 'notes.txt'), 'hello');
    const error = await callError('project:openDataset', { datasetDir: empty });
    expect(error.code).toBe('unknown_format');
    expect(error.message).toContain(empty);
    expect(await call('project:detect', { datasetDir: empty })).toMatchObject({ format: null });
  });

  it('sets a corrupt project file aside instead of refusing the dataset', async () => {
    const copy = path.join(base, 'copy2');
    cpSync(sampleDatasetDir(), copy, { recursive: true });
    const projectDir = path.join(base, 'broken-project');
    mkdirSync(projectDir);
    writeFileSync(path.join(projectDir, 'segstudio-project.json'), '{ half a file');
    const opened = await call<ProjectSummary>('project:openDataset', {
      datasetDir: copy,
      projectDir,
    });
    expect(opened.datasetRoot).toBe(copy);
    expect(
      readdirSync(projectDir).some((f) => f.startsWith('segstudio-project.json.broken-')),
    ).toBe(true);
    expect((await callError('project:openProject', { projectDir: copy })).code).toBe(
      'not_a_project',
    );
  });

  it('opens a dataset copy with a format override, then reopens it as a project', async () => {
    const copy = path.join(base, 'copy');
    const opened = await call<ProjectSummary>('project:openDataset', {
      datasetDir: copy,
      format: 'pair-list',
    });
    expect(opened.formatReasons[0]).toMatch(/set by the user/);
    expect(opened.projectDir.startsWith(path.join(base, 'data', 'projects', 'copy-'))).toBe(true);
    const reopened = await call<ProjectSummary>('project:openProject', {
      projectDir: opened.projectDir,
    });
    expect(reopened.datasetRoot).toBe(copy);
    const recent = await call<{ projectDir: string }[]>('project:recent');
    expect(recent.map((r) => r.projectDir).slice(0, 1)).toEqual([opened.projectDir]);
    expect(recent.map((r) => r.projectDir)).toContain(
      path.join(base, 'data', 'projects', 'sample'),
    );
  });
});

describe('dataset service on the sample', () => {
  beforeAll(async () => {
    await call('project:openSample');
  });

  it('pages, filters by split and searches samples', async () => {
    const all = await call<{ total: number; items: SampleRow[] }>('dataset:samples', { limit: 10 });
    expect(all.total).toBe(52);
    expect(all.items).toHaveLength(10);
    expect(all.items[0]).toMatchObject({
      id: 'scene_train_001',
      split: 'train',
      usable: true,
      width: 128,
      height: 96,
      iou: null,
      thumb: 'sample/train/scene_train_001/thumb',
    });
    const val = await call<{ total: number; items: SampleRow[] }>('dataset:samples', {
      split: 'val',
      offset: 10,
    });
    expect(val).toMatchObject({ total: 12, offset: 10 });
    expect(val.items.map((r) => r.id)).toEqual(['scene_val_011', 'scene_val_012']);
    const search = await call<{ total: number }>('dataset:samples', { search: 'TRAIN_01' });
    expect(search.total).toBe(10);
    expect((await callError('dataset:samples', { split: 'test' })).code).toBe('unknown_split');
  });

  it('serves thumbnails and rendered masks through the media resolver', async () => {
    const detail = await call<SampleDetail>('dataset:sample', {
      split: 'train',
      id: 'scene_train_002',
    });
    expect(detail.neighbours).toEqual({ previous: 'scene_train_001', next: 'scene_train_003' });
    expect(detail.media.pred).toBeNull();
    for (const media of [
      detail.thumb,
      detail.media.image,
      detail.media.gt!,
      detail.media.gtIndex!,
    ]) {
      const r = await services.media.resolve(media);
      expect(r.ok, media).toBe(true);
      if (r.ok) {
        const meta = await sharp(r.file).metadata();
        expect(meta.width, media).toBeGreaterThan(0);
      }
    }
    const gtIndex = await services.media.resolve(detail.media.gtIndex!);
    if (!gtIndex.ok) throw new Error('gtIndex');
    expect((await sharp(gtIndex.file).metadata()).channels).toBe(1);
    const { data, info } = await sharp(gtIndex.file)
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([128, 96]);
    // Training indices 0..5 and 255 for the void seam; nothing else.
    expect(new Set(data).size).toBeGreaterThan(3);
    expect([...new Set(data)].every((v) => v <= 5 || v === 255)).toBe(true);

    // Browse's mask overlay: the same mask at thumbnail size, the void seam transparent.
    const overlay = await services.media.resolve(detail.maskOverlay);
    if (!overlay.ok) throw new Error('maskOverlay');
    const rgba = await sharp(overlay.file).raw().toBuffer({ resolveWithObject: true });
    expect([rgba.info.width, rgba.info.height, rgba.info.channels]).toEqual([192, 144, 4]);
    const alphas = new Set(rgba.data.filter((_, i) => i % 4 === 3));
    expect([...alphas].sort((a, b) => a - b)).toEqual([0, 255]);
  });

  it('computes class statistics with progress, then filters by contained class', async () => {
    events.length = 0;
    const classes = await call<ClassInfo[]>('dataset:computeStatistics');
    const road = classes.find((c) => c.name === 'Road')!;
    expect(road.pixelShare?.['train']).toBeGreaterThan(0.15);
    const shares = classes.filter((c) => !c.void).map((c) => c.pixelShare?.['train'] ?? 0);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(events.some((e) => (e.payload as JobProgress).kind === 'statistics')).toBe(true);
    const withCar = await call<{ total: number }>('dataset:samples', { containsClass: 5 });
    expect(withCar.total).toBeGreaterThan(0);
    expect(withCar.total).toBeLessThan(52);
    const withSky = await call<{ total: number }>('dataset:samples', { containsClass: 0 });
    expect(withSky.total).toBe(52);
  });

  it('edits class names and colours in the project only, never the dataset files', async () => {
    const classes = await call<ClassInfo[]>('dataset:updateClass', {
      id: 4,
      name: 'Vegetation',
      color: [0, 200, 0],
    });
    expect(classes.find((c) => c.id === 4)).toMatchObject({
      name: 'Vegetation',
      color: [0, 200, 0],
    });
    const projectDir = services.session.require().projectDir;
    const saved = readFileSync(path.join(projectDir, 'segstudio-project.json'), 'utf8');
    expect(saved).toContain('Vegetation');
    expect(services.session.require().descriptor.classes.find((c) => c.id === 4)?.name).toBe(
      'Vegetation',
    );
    expect((await callError('dataset:updateClass', { id: 99, name: 'x' })).code).toBe(
      'unknown_class',
    );
    // Making a class void renumbers the training indices after it; undoing restores them.
    const voided = await call<ClassInfo[]>('dataset:updateClass', { id: 3, void: true });
    expect(voided.find((c) => c.id === 3)).toMatchObject({ void: true, index: null });
    expect(voided.find((c) => c.id === 4)?.index).toBe(3);
    const restored = await call<ClassInfo[]>('dataset:updateClass', { id: 3, void: false });
    expect(restored.find((c) => c.id === 3)).toMatchObject({ void: false, index: 3 });
    expect(treeHash(sampleDatasetDir())).toBe(sampleHashBefore);
  });

  it('reads per-image IoU from the latest evaluation report and serves prediction layers', async () => {
    const { runsDir } = services.session.require();
    const evalDir = path.join(runsDir, 'run-a', 'eval');
    mkdirSync(path.join(evalDir, 'val', 'pred'), { recursive: true });
    const perImage = Array.from({ length: 12 }, (_, i) => ({
      sample: `scene_val_${String(i + 1).padStart(3, '0')}`,
      mIoU: i === 3 ? null : (i + 1) / 20,
      pixelAccuracy: 0.9,
    }));
    writeFileSync(
      path.join(evalDir, 'val.json'),
      JSON.stringify({ runName: 'run-a', evaluatedAt: Date.now(), perImage }),
    );
    // A garbage report in another run must not break anything.
    mkdirSync(path.join(runsDir, 'run-b', 'eval'), { recursive: true });
    writeFileSync(path.join(runsDir, 'run-b', 'eval', 'val.json'), '{ not json');
    await sharp(Buffer.alloc(64 * 48, 2), { raw: { width: 64, height: 48, channels: 1 } })
      .png()
      .toFile(path.join(evalDir, 'val', 'pred', 'scene_val_001.png'));

    const worst = await call<{ total: number; items: SampleRow[] }>('dataset:samples', {
      split: 'val',
      sort: 'iou-asc',
    });
    expect(worst.items[0]).toMatchObject({ id: 'scene_val_001', iou: 0.05 });
    expect(worst.items.at(-1)).toMatchObject({ id: 'scene_val_004', iou: null });
    const band = await call<{ total: number }>('dataset:samples', {
      split: 'val',
      iouMin: 0.2,
      iouMax: 0.4,
    });
    expect(band.total).toBe(4); // 0.25, 0.3, 0.35, 0.4 (the 0.2 one has no IoU)

    const detail = await call<SampleDetail>('dataset:sample', {
      split: 'val',
      id: 'scene_val_001',
      query: { split: 'val', sort: 'iou-asc' },
    });
    expect(detail.iou).toBe(0.05);
    expect(detail.neighbours).toEqual({ previous: null, next: 'scene_val_002' });
    expect(detail.media.pred).toBe('sample/val/scene_val_001/pred/run-a');
    for (const media of [detail.media.pred!, detail.media.predIndex!, detail.media.error!]) {
      expect((await services.media.resolve(media)).ok, media).toBe(true);
    }
    const error = await services.media.resolve(detail.media.error!);
    if (!error.ok) throw new Error('error map');
    const meta = await sharp(error.file).metadata();
    expect([meta.width, meta.height]).toEqual([128, 96]);
    expect((await services.media.resolve('sample/val/scene_val_002/pred/run-a')).ok).toBe(false);
  });

  it('reads predictions in the dataset encoding too: a perfect prediction has no red', async () => {
    const { runsDir } = services.session.require();
    const dir = path.join(runsDir, 'run-a', 'predictions', 'val');
    mkdirSync(dir, { recursive: true });
    cpSync(
      path.join(sampleDatasetDir(), 'valannot', 'scene_val_002.png'),
      path.join(dir, 'scene_val_002.png'),
    );
    const detail = await call<SampleDetail>('dataset:sample', {
      split: 'val',
      id: 'scene_val_002',
      runName: 'run-a',
    });
    const error = await services.media.resolve(detail.media.error!);
    if (!error.ok) throw new Error(`error map: ${error.reason}`);
    const { data } = await sharp(error.file).raw().toBuffer({ resolveWithObject: true });
    let red = 0;
    let green = 0;
    for (let p = 0; p < data.length; p += 3) {
      if (data[p] === 220 && data[p + 1] === 50) red++;
      if (data[p] === 46 && data[p + 1] === 160) green++;
    }
    expect(red).toBe(0);
    expect(green).toBeGreaterThan(128 * 96 * 0.9);
    const predIndex = await services.media.resolve(detail.media.predIndex!);
    const gtIndex = await services.media.resolve(detail.media.gtIndex!);
    if (!predIndex.ok || !gtIndex.ok) throw new Error('index layers');
    const raw = (f: string) => sharp(f).extractChannel(0).raw().toBuffer();
    expect(Buffer.compare(await raw(predIndex.file), await raw(gtIndex.file))).toBe(0);
  });

  it('reopens the last project in a fresh app on the same data dir', async () => {
    const dataDir = path.join(base, 'data');
    const fresh = createAppServices(createServeHost(dataDir));
    try {
      const restored = await reopenLastProject(fresh, dataDir);
      expect(restored).toEqual({
        reopened: path.join(dataDir, 'projects', 'sample'),
        reason: null,
      });
      expect(fresh.session.current()?.name).toBe('Sample road scenes');
      // Edits made earlier survive the restart.
      expect(fresh.session.current()?.descriptor.classes.find((c) => c.id === 4)?.name).toBe(
        'Vegetation',
      );
      const empty = createAppServices(createServeHost(path.join(base, 'empty')));
      expect(await reopenLastProject(empty, path.join(base, 'empty'))).toEqual({
        reopened: null,
        reason: null,
      });
      await empty.dispose();
    } finally {
      await fresh.dispose();
    }
  });

  it('lists no problems for the clean sample', async () => {
    expect(await call('dataset:problems')).toEqual([]);
  });
});
