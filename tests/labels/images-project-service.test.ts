/**
 * The Start view's "New project from unlabeled images" through the real project service: the
 * same project `segstudio project init IMAGES_DIR --classes` makes, opened, every image
 * unlabeled and editable, the images folder untouched.
 */
import { cpSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectSummary } from '../../shared/contracts/project';
import type { LabelsStatus, LoadedMask } from '../../shared/contracts/labels';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import { serviceCalls } from '../support/services';
import { tempDir, treeFingerprint } from '../support/folders';
import { makeMiniCamvid } from '../support/datasets';

describe('project.createFromImages', () => {
  const work = tempDir('labels-images-service');
  const images = path.join(work.dir, 'photos');
  let camvid: string;
  let services: AppServices;
  const { call, callError } = serviceCalls(() => services);

  beforeAll(() => {
    camvid = makeMiniCamvid({ train: 4, val: 1 });
    cpSync(path.join(camvid, 'train'), images, { recursive: true });
    writeFileSync(path.join(images, 'notes.png'), 'not an image');
    services = createAppServices(createServeHost(path.join(work.dir, 'data')));
  });
  afterAll(async () => {
    await services.dispose();
    work.cleanup();
    rmSync(camvid, { recursive: true, force: true });
  });

  it('makes and opens a project of unlabeled images with the typed classes', async () => {
    const before = treeFingerprint(images);
    const projectDir = path.join(work.dir, 'project');
    const summary = await call<ProjectSummary>('project:createFromImages', {
      imagesDir: images,
      projectDir,
      classes: ['road', 'car', 'person'],
      valFraction: 0,
    });
    expect(summary.projectDir).toBe(projectDir);
    expect(summary.name).toBe('photos');
    expect(summary.classes.filter((c) => !c.void).map((c) => c.name)).toEqual([
      'road',
      'car',
      'person',
    ]);
    expect(existsSync(path.join(projectDir, 'labels', 'images.json'))).toBe(true);

    const status = await call<LabelsStatus>('labels:status');
    const pngs = readdirSync(images).filter((f) => f.endsWith('.png') && f !== 'notes.png');
    expect(status.samples.length).toBe(pngs.length);
    expect(status.counts.unlabeled).toBe(pngs.length);
    const first = status.samples[0]!;
    const loaded = await call<LoadedMask>('labels:load', { split: first.split, id: first.id });
    expect(loaded.origin).toBe('none');
    expect(treeFingerprint(images)).toEqual(before);

    // A second project in the same folder is refused in words; a missing folder is named.
    const again = await callError('project:createFromImages', {
      imagesDir: images,
      projectDir,
      classes: ['road'],
    });
    expect(again.message).toMatch(/already holds a project/);
    const missing = await callError('project:createFromImages', {
      imagesDir: path.join(work.dir, 'nowhere'),
      classes: ['road'],
    });
    expect(missing.message).toMatch(/Images folder .*nowhere does not exist/);
  });
});
