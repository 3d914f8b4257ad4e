/**
 * Class statistics survive reopening a project (the Dataset view's pixel shares do not fall
 * back to "—"), through the renderer's stores on the real services, and a changed mask makes
 * its split's saved statistics stale while the other split keeps its own.
 */
import { readdirSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStoresTo } from '../support/services';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import { ensureBuilt } from '../support/build';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';

const folders: string[] = [];
let services: AppServices | undefined;

beforeAll(ensureBuilt);
afterAll(async () => {
  await services?.dispose();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A fresh app (new services, new stores) as after quitting and starting again. */
async function restart(base: string) {
  await services?.dispose();
  services = createAppServices(createServeHost(path.join(base, 'data')));
  connectStoresTo(services);
  const { useProjectStore } = await import('../../renderer/src/stores/project');
  const { useDatasetStore } = await import('../../renderer/src/stores/dataset');
  return { project: useProjectStore(), data: useDatasetStore() };
}

const shares = (classes: readonly { name: string; pixelShare?: Record<string, number> }[]) =>
  Object.fromEntries(classes.map((c) => [c.name, c.pixelShare]));

describe('class statistics', () => {
  it('are shown again after a reopen and recomputed only for a split whose masks changed', async () => {
    const base = tempDir('class-statistics').dir;
    const dataset = makeMiniCamvid({ train: 3, val: 2 });
    folders.push(base, dataset);
    let { project, data } = await restart(base);
    expect(await project.openDataset(dataset)).toBe(true);
    const projectDir = project.current!.projectDir;
    await data.load();
    expect(data.classes.every((c) => c.pixelShare === undefined)).toBe(true);
    await data.computeStatistics();
    const computed = shares(data.classes);
    expect(computed['Road']?.train).toBeGreaterThan(0.1);
    expect(computed['Road']?.val).toBeGreaterThan(0.1);

    ({ project, data } = await restart(base));
    expect(await project.openProject(projectDir)).toBe(true);
    await data.load();
    expect(shares(data.classes)).toEqual(computed);

    // A mask edited outside the app (new mtime) misses the train cache; val is untouched.
    const annot = path.join(dataset, 'trainannot');
    const mask = path.join(annot, readdirSync(annot)[0]!);
    utimesSync(mask, new Date(), new Date(Date.now() + 60_000));
    ({ project, data } = await restart(base));
    expect(await project.openProject(projectDir)).toBe(true);
    await data.load();
    const after = shares(data.classes);
    expect(after['Road']?.train).toBeUndefined();
    expect(after['Road']?.val).toBe(computed['Road']?.val);
  });
});
