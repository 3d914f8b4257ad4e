import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassInfo } from '../../shared/contracts/common';
import type { LabelsStatus, LoadedMask, SavedMask } from '../../shared/contracts/labels';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import { serviceCalls } from '../support/services';
import { makeAde20k } from '../dataset/fixtures/formats';
import { write } from '../dataset/fixtures/write';
import { greyMaskPng } from '../dataset/fixtures/images';
import { tempDir, treeFingerprint } from '../support/folders';

const ids = (loaded: LoadedMask): Uint8Array => {
  const bytes = Buffer.from(loaded.mask!.data, 'base64');
  return new Uint8Array(loaded.mask!.compression === 'deflate' ? inflateSync(bytes) : bytes);
};
const payload = (width: number, height: number, values: Uint8Array) => ({
  width,
  height,
  compression: 'deflate' as const,
  data: deflateSync(values).toString('base64'),
});

describe('labels service', () => {
  const work = tempDir('labels-service');
  const root = path.join(work.dir, 'ADE');
  const projectDir = path.join(work.dir, 'project');
  let services: AppServices;
  let before: Record<string, string>;
  const { call, callError } = serviceCalls(() => services);

  beforeAll(async () => {
    await makeAde20k(root);
    before = treeFingerprint(root);
    services = createAppServices(createServeHost(path.join(work.dir, 'data')));
    await call('project:openDataset', { datasetDir: root, projectDir });
  });
  afterAll(async () => {
    await services.dispose();
    work.cleanup();
  });

  it('counts dataset masks as labeled, and an edit as edited', async () => {
    const status = await call<LabelsStatus>('labels:status');
    expect(status.counts.labeled).toBe(status.samples.length);
    expect(status.counts.edited).toBe(0);
    const first = status.samples[0]!;
    const loaded = await call<LoadedMask>('labels:load', { split: first.split, id: first.id });
    expect(loaded.origin).toBe('dataset');
    expect(loaded.revision).toBe(0);
    expect(loaded.annotation.conflict).toBe(false);

    const edited = ids(loaded).slice();
    edited.fill(2, 0, loaded.width * 2); // two rows of class 2
    const saved = await call<SavedMask>('labels:save', {
      split: first.split,
      id: first.id,
      baseRevision: 0,
      mask: payload(loaded.width, loaded.height, edited),
      state: 'reviewed',
    });
    expect(saved.revision).toBe(1);
    const after = await call<LabelsStatus>('labels:status');
    expect(after.counts.edited).toBe(1);
    expect(after.counts.reviewed).toBe(1);
    const again = await call<LoadedMask>('labels:load', { split: first.split, id: first.id });
    expect(again.origin).toBe('edit');
    expect(Buffer.from(ids(again)).equals(Buffer.from(edited))).toBe(true);

    // The edit is a class-index PNG in PROJECT/labels/, the dataset untouched.
    const png = path.join(projectDir, 'labels', 'masks', first.split, first.id, 'r1.png');
    const raw = await sharp(readFileSync(png)).extractChannel(0).raw().toBuffer();
    expect(Buffer.from(raw).equals(Buffer.from(edited))).toBe(true);
    expect(treeFingerprint(root)).toEqual(before);

    // A stale base revision is refused; the gt media layer reads the edit.
    const stale = await callError('labels:save', {
      split: first.split,
      id: first.id,
      baseRevision: 0,
      mask: payload(loaded.width, loaded.height, edited),
    });
    expect(stale.code).toBe('label_conflict');
  });

  it('replays the journal into the next load, and a save clears it', async () => {
    const { samples } = await call<LabelsStatus>('labels:status');
    const s = samples[1]!;
    const loaded = await call<LoadedMask>('labels:load', { split: s.split, id: s.id });
    await call('labels:journal', {
      split: s.split,
      id: s.id,
      baseRevision: 0,
      patches: [{ x: 1, y: 1, width: 2, height: 1, data: Buffer.from([3, 3]).toString('base64') }],
    });
    const replayed = await call<LoadedMask>('labels:load', { split: s.split, id: s.id });
    expect(replayed.journalReplayed).toBe(1);
    const values = ids(replayed);
    expect(values[loaded.width + 1]).toBe(3);
    expect(values[loaded.width + 2]).toBe(3);
    await call('labels:save', {
      split: s.split,
      id: s.id,
      baseRevision: 0,
      mask: payload(replayed.width, replayed.height, values),
    });
    const saved = await call<LoadedMask>('labels:load', { split: s.split, id: s.id });
    expect(saved.journalReplayed).toBe(0);
    expect(ids(saved)[loaded.width + 1]).toBe(3);
  });

  it('detects a dataset file changed under an edit, and resolves it', async () => {
    const { samples } = await call<LabelsStatus>('labels:status');
    const s = samples.find((x) => x.edited)!;
    const loaded = await call<LoadedMask>('labels:load', { split: s.split, id: s.id });
    expect(loaded.annotation.conflict).toBe(false);
    // Someone else edits the dataset's file (a copy: the fixture is ours).
    const annotation = path.join(
      root,
      'ADEChallengeData2016',
      'annotations',
      s.split === 'train' ? 'training' : 'validation',
      `${s.id}.png`,
    );
    write(annotation, greyMaskPng(loaded.width, loaded.height, [1]));
    const conflicted = await call<LoadedMask>('labels:load', { split: s.split, id: s.id });
    expect(conflicted.annotation.conflict).toBe(true);
    const both = await call<LoadedMask>('labels:resolveConflict', {
      split: s.split,
      id: s.id,
      choice: 'save-both',
    });
    expect(both.annotation.conflict).toBe(false);
    expect(Buffer.from(ids(both)).equals(Buffer.from(ids(loaded)))).toBe(true);
    const history = await call<{ revision: number }[]>('labels:history', {
      split: s.split,
      id: s.id,
    });
    expect(history.map((v) => v.revision)).toEqual([1, 2, 3]);
  });

  it('adds a class to the project', async () => {
    const classes = await call<ClassInfo[]>('labels:addClass', { name: 'boat' });
    const boat = classes.find((c) => c.name === 'boat');
    expect(boat).toBeDefined();
    expect(boat!.index).not.toBeNull();
  });
});
