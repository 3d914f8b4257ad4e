import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../shared/contracts/common';
import type { RunSummary } from '../../shared/contracts/training';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import { ensureBuilt } from '../support/build';
import { serviceCalls } from '../support/services';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';

// Model export through the real services and worker: the job bar must get counts, not 0/0.
let base: string;
let dataset: string;
let services: AppServices;
const jobs: JobProgress[] = [];
let finished: () => void = () => undefined;
const runFinished = new Promise<void>((resolve) => (finished = resolve));

const { call } = serviceCalls(() => services);

beforeAll(async () => {
  ensureBuilt();
  base = tempDir('export-progress').dir;
  dataset = makeMiniCamvid({ train: 4, val: 2 });
  services = createAppServices(createServeHost(path.join(base, 'data')));
  services.events.addSink((channel, payload) => {
    if (channel === 'project@job') jobs.push(payload as JobProgress);
    if (channel === 'training@state' && (payload as RunSummary).state === 'finished') finished();
  });
  await call('project:openDataset', { datasetDir: dataset, projectDir: path.join(base, 'p') });
  await call('training:start', { runName: 'r', width: 64, height: 64, batch: 2, epochs: 1 });
  await runFinished;
});

afterAll(async () => {
  await services.dispose();
  rmSync(base, { recursive: true, force: true });
  rmSync(dataset, { recursive: true, force: true });
});

const exportJobs = () => jobs.filter((j) => j.kind === 'export');

describe('model export job progress', () => {
  it.each([
    ['folder', 5],
    ['archive', 3],
  ] as const)('reports %s export steps up to their total (%i)', async (format, total) => {
    jobs.length = 0;
    await call('evaluation:exportModel', { runName: 'r', format });
    const done = exportJobs().at(-1);
    expect(done).toMatchObject({ state: 'done', done: total, total });
    expect(exportJobs().every((j) => j.total === 0 || j.total === total)).toBe(true);
  });
});
