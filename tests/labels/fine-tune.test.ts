import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../shared/contracts/training';
import { checkpointDir, readCheckpoint } from '../../main/engine/checkpoint';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import { readRunFile } from '../../main/training/run-folder';
import { ensureBuilt } from '../support/build';
import { serviceCalls } from '../support/services';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';

/** "Fine-tune with my corrections" through the real services and worker. */
describe('training.fineTune', () => {
  const work = tempDir('labels-fine-tune');
  const projectDir = path.join(work.dir, 'project');
  let dataset: string;
  let services: AppServices;
  const { call } = serviceCalls(() => services);
  const settled = new Map<string, () => void>();

  beforeAll(async () => {
    ensureBuilt();
    dataset = makeMiniCamvid({ train: 4, val: 2 });
    services = createAppServices(createServeHost(path.join(work.dir, 'data')));
    services.events.addSink((channel, payload) => {
      const run = payload as RunSummary;
      if (channel === 'training@state' && ['paused', 'finished'].includes(run.state)) {
        settled.get(run.runName)?.();
      }
    });
    await call('project:openDataset', { datasetDir: dataset, projectDir });
  });
  afterAll(async () => {
    await services.dispose();
    work.cleanup();
    rmSync(dataset, { recursive: true, force: true });
  });

  const runToEnd = async (start: () => Promise<RunSummary>, name: string) => {
    const done = new Promise<void>((resolve) => settled.set(name, resolve));
    await start();
    await done;
  };

  it('starts from the source run best checkpoint, short, on the current labels', async () => {
    await runToEnd(
      () =>
        call<RunSummary>('training:start', {
          runName: 'base',
          width: 64,
          height: 64,
          batch: 2,
          epochs: 1,
          lr: 0.002,
        }),
      'base',
    );
    await runToEnd(
      () =>
        call<RunSummary>('training:fineTune', {
          sourceRun: 'base',
          runName: 'fixed',
          stopAfterSteps: 1,
        }),
      'fixed',
    );
    const run = await readRunFile(path.join(projectDir, 'runs', 'fixed'));
    expect(run.sourceRun).toBe('base');
    expect(run.initFrom).toBe(path.join(projectDir, 'runs', 'base'));
    expect(run.config.epochs).toBe(3);
    expect(run.config.optimizer.lr).toBeCloseTo(0.0002);
    expect(run.config.inputSize).toEqual({ width: 64, height: 64 });
    expect(run.dataset.labelsDir).toBe(path.join(projectDir, 'labels'));
    const runs = await call<RunSummary[]>('training:runs');
    expect(runs.find((r) => r.runName === 'fixed')?.sourceRun).toBe('base');

    // One Adam step (at most ~lr = 2e-4 per weight) from base's best. A fresh init with the same
    // seed would sit ~2 steps x 2e-3 away from base's best, so 1e-3 tells the two apart.
    const base = await readCheckpoint(checkpointDir(path.join(projectDir, 'runs', 'base'), 'best'));
    const tuned = await readCheckpoint(
      checkpointDir(path.join(projectDir, 'runs', 'fixed'), 'last'),
    );
    const byName = new Map(base.payload.model.map((w) => [w.name, w.data]));
    let maxDiff = 0;
    for (const w of tuned.payload.model) {
      // BatchNorm's moving statistics follow the batch, not the optimizer step.
      if (/moving/.test(w.name)) continue;
      const from = byName.get(w.name)!;
      for (let i = 0; i < w.data.length; i += 97)
        maxDiff = Math.max(maxDiff, Math.abs(w.data[i]! - from[i]!));
    }
    expect(maxDiff).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThan(1e-3);
  }, 400_000);
});
