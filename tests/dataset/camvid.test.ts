import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classStatistics,
  detectFormat,
  IGNORE_LABEL,
  loadDescriptor,
  openDataset,
  renderMaskPng,
  renderMaskRgb,
  saveDescriptor,
  thumbnail,
  type DatasetIndex,
} from '../../main/dataset/index';
import { scanMaskInProcess, type MaskScanner } from '../../main/dataset/scan';
import { scanSplit } from '../../main/dataset/split-scan';
import { CAMVID } from '../support/datasets';
import { tempDir } from '../support/folders';

describe('CamVid as distributed (pair lists with foreign absolute paths)', () => {
  let index: DatasetIndex;
  const work = tempDir('camvid');
  const phases = new Set<string>();

  beforeAll(async () => {
    index = await openDataset(CAMVID, { onProgress: (_d, _t, phase) => phases.add(phase) });
  });
  afterAll(() => work.cleanup());

  it('is detected as a pair-list dataset', async () => {
    const guess = await detectFormat(CAMVID);
    expect(guess.format).toBe('pair-list');
    expect(guess.reasons.join(' ')).toContain('train.txt');
  });

  it('opens both splits with every sample usable, re-rooting /SegNet/CamVid/... paths', () => {
    expect(index.descriptor.format).toBe('pair-list');
    expect(index.splits['train']).toMatchObject({ listed: 367, usable: 367 });
    expect(index.splits['val']).toMatchObject({ listed: 101, usable: 101 });
    expect(index.problems).toEqual([]);
    const first = index.splits['train']!.samples[0]!;
    expect(first.id).toBe('0001TP_006690');
    expect(first.image).toBe(path.join(CAMVID, 'train', '0001TP_006690.png'));
    expect(first.annotation).toBe(path.join(CAMVID, 'trainannot', '0001TP_006690.png'));
    expect([first.width, first.height]).toEqual([480, 360]);
    expect(phases.has('headers')).toBe(true);
  });

  it('takes 11 classes + void 11 from labels.json', () => {
    const d = index.descriptor;
    expect(d.encoding).toBe('index');
    expect(d.voidId).toBe(11);
    expect(d.classes).toHaveLength(12);
    expect(d.classes.filter((c) => !c.void)).toHaveLength(11);
    expect(d.classes[0]).toEqual({ id: 0, name: 'Sky', color: [128, 128, 128] });
    expect(d.classes[11]).toMatchObject({ id: 11, name: 'Unlabelled', void: true });
  });

  it('loads a sample through the SampleSource with void mapped to the ignore label', async () => {
    const source = index.source('train');
    expect(source.count).toBe(367);
    expect(source.classes.map((c) => c.index)).toEqual([...Array(11).keys()]);
    expect(source.classes[3]).toMatchObject({ datasetId: 3, name: 'Road' });
    expect(source.sampleId(0)).toBe('0001TP_006690');
    const sample = await source.load(0);
    expect(sample).toMatchObject({ id: '0001TP_006690', width: 480, height: 360 });
    expect(sample.image).toHaveLength(480 * 360 * 3);
    expect(sample.label).toHaveLength(480 * 360);
    // Compare with the raw annotation, decoded independently by sharp (one channel).
    const raw = await sharp(path.join(CAMVID, 'trainannot', '0001TP_006690.png'))
      .extractChannel(0)
      .raw()
      .toBuffer();
    let voids = 0;
    for (let p = 0; p < raw.length; p++) {
      const expected = raw[p] === 11 ? IGNORE_LABEL : raw[p];
      if (sample.label[p] !== expected)
        throw new Error(`pixel ${p}: ${sample.label[p]} != ${expected}`);
      if (raw[p] === 11) voids++;
    }
    expect(voids).toBeGreaterThan(0);
    const rawImage = await sharp(path.join(CAMVID, 'train', '0001TP_006690.png'))
      .removeAlpha()
      .raw()
      .toBuffer();
    expect(Buffer.from(sample.image).equals(rawImage)).toBe(true);

    const small = await source.load(5, { resize: { width: 120, height: 90 } });
    expect(small).toMatchObject({ width: 120, height: 90 });
    expect(small.image).toHaveLength(120 * 90 * 3);
    expect(small.label).toHaveLength(120 * 90);
    expect([...new Set(small.label)].every((v) => v === IGNORE_LABEL || v < 11)).toBe(true);
  });

  it('saves and reloads the descriptor atomically in a project folder', async () => {
    const project = path.join(work.dir, 'project');
    const file = await saveDescriptor(project, index.descriptor);
    expect(existsSync(file)).toBe(true);
    expect(await loadDescriptor(project)).toEqual(index.descriptor);
    expect(await loadDescriptor(path.join(work.dir, 'nothing-here'))).toBeNull();
    // Renaming a class lives in the descriptor; reopening with it keeps the new name.
    const renamed = {
      ...index.descriptor,
      classes: index.descriptor.classes.map((c) => (c.id === 8 ? { ...c, name: 'Vehicle' } : c)),
    };
    await saveDescriptor(project, renamed);
    const reopened = await openDataset(CAMVID, { descriptor: (await loadDescriptor(project))! });
    expect(reopened.source('val').classes[8]?.name).toBe('Vehicle');
  });

  it('computes class statistics once and serves them from the cache after', async () => {
    const cacheDir = path.join(work.dir, 'cache');
    let calls = 0;
    const first = await classStatistics(index, 'val', { cacheDir, onProgress: () => calls++ });
    expect(first.samples).toBe(101);
    expect(first.totalPixels).toBe(101 * 480 * 360);
    expect(first.unknownPixels).toBe(0);
    const road = first.classes.find((c) => c.name === 'Road')!;
    expect(road.share).toBeGreaterThan(0.2);
    expect(first.classes.reduce((n, c) => n + c.pixels, 0) + first.voidPixels).toBe(
      first.totalPixels,
    );
    expect(calls).toBeGreaterThan(100);
    calls = 0;
    const second = await classStatistics(index, 'val', { cacheDir, onProgress: () => calls++ });
    expect(second).toEqual(first);
    expect(calls).toBe(0);
    // A damaged cache file is recomputed (and replaced), never served or fatal.
    const [cached] = readdirSync(cacheDir).filter((f) => f.startsWith('class-stats-val-'));
    writeFileSync(path.join(cacheDir, cached!), '{"split": "val", "samp');
    const third = await classStatistics(index, 'val', { cacheDir, onProgress: () => calls++ });
    expect(third).toEqual(first);
    expect(calls).toBeGreaterThan(100);
  });

  it('scans a split once per mask: in the decode pool for many masks, same as in-process', async () => {
    let decoded = 0;
    const counting: MaskScanner = (file, encoding) => {
      decoded++;
      return scanMaskInProcess(file, encoding);
    };
    const inProcess = await scanSplit(index, 'val', { scanner: counting });
    expect(decoded).toBe(101);
    expect(await scanSplit(index, 'val')).toEqual(inProcess);
  });

  it('stops opening when aborted', async () => {
    const controller = new AbortController();
    const opening = openDataset(CAMVID, {
      signal: controller.signal,
      onProgress: (done) => done === 50 && controller.abort(new Error('user cancelled')),
    });
    await expect(opening).rejects.toThrow('user cancelled');
  });

  it('renders raw dataset ids with the descriptor classes', () => {
    const rgb = renderMaskRgb(
      { width: 3, height: 1, label: new Uint8Array([3, 11, 200]) },
      index.descriptor.classes,
    );
    expect([...rgb]).toEqual([128, 64, 128, 0, 0, 0, 0, 0, 0]);
  });

  it('makes thumbnails lazily and renders colour masks', async () => {
    const cacheDir = path.join(work.dir, 'thumbs');
    const file = await thumbnail(index, '0001TP_006690', cacheDir, 96);
    expect(await sharp(file).metadata()).toMatchObject({ format: 'jpeg', width: 96, height: 72 });
    expect(await thumbnail(index, '0001TP_006690', cacheDir, 96)).toBe(file);
    const mask = await thumbnail(index, '0001TP_006690', cacheDir, 96, { kind: 'mask' });
    expect((await sharp(mask).metadata()).format).toBe('png');

    const source = index.source('train');
    const sample = await source.load(0);
    const png = await renderMaskPng(sample, source.classes);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([480, 360, 3]);
    const p = sample.label.findIndex((v) => v === 3); // a Road pixel
    expect([...data.subarray(p * 3, p * 3 + 3)]).toEqual([128, 64, 128]);
    const v = sample.label.indexOf(IGNORE_LABEL);
    expect([...data.subarray(v * 3, v * 3 + 3)]).toEqual([0, 0, 0]);
  });
});
