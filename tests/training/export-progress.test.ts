import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../shared/contracts/common';
import { ensureBuilt } from '../support/build';
import { startMiniCamvidServices, type MiniCamvidServices } from '../support/services';

// Model export through the real services and worker: the job bar must get counts, not 0/0.
let fixture: MiniCamvidServices;

beforeAll(async () => {
  ensureBuilt();
  fixture = startMiniCamvidServices('export-progress', { train: 4, val: 2 });
  await fixture.openDataset();
  await fixture.trainTinyRun('r');
});

afterAll(() => fixture.dispose());

const exportJobs = () =>
  fixture.events
    .filter((e) => e.channel === 'project@job')
    .map((e) => e.payload as JobProgress)
    .filter((j) => j.kind === 'export');

describe('model export job progress', () => {
  it.each([
    ['folder', 5],
    ['archive', 3],
  ] as const)('reports %s export steps up to their total (%i)', async (format, total) => {
    fixture.events.length = 0;
    await fixture.call('evaluation:exportModel', { runName: 'r', format });
    const done = exportJobs().at(-1);
    expect(done).toMatchObject({ state: 'done', done: total, total });
    expect(exportJobs().every((j) => j.total === 0 || j.total === total)).toBe(true);
  });
});
