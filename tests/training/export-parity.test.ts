import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProducedFile } from '../../shared/contracts/common';
import type { EvalReport } from '../../shared/contracts/evaluation';
import type { RunHistory } from '../../shared/contracts/training';
import { ensureBuilt } from '../support/build';
import { runSegstudio } from '../support/cli';
import { startMiniCamvidServices, type MiniCamvidServices } from '../support/services';

// One run, exported by the app (evaluation service -> export worker job) and by
// `segstudio export RUN`: both segstudio.json files must say the same thing.
let fixture: MiniCamvidServices;

beforeAll(async () => {
  ensureBuilt();
  fixture = startMiniCamvidServices('export-parity', { train: 8, val: 4 });
  await fixture.openDataset();
});

afterAll(() => fixture.dispose());

const manifestOf = (dir: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(dir, 'segstudio.json'), 'utf8')) as Record<string, unknown>;

describe('segstudio.json from the app and from the CLI', () => {
  it('has the same fields for the same checkpoint, metrics from its own validation', async () => {
    await fixture.trainTinyRun('parity', { seed: 3 });
    // A cached evaluation report (annotation resolution) exists, yet both exports record the
    // validation the run made of these very weights.
    const report = await fixture.call<EvalReport>('evaluation:evaluate', {
      runName: 'parity',
      split: 'val',
    });
    const app = await fixture.call<ProducedFile>('evaluation:exportModel', {
      runName: 'parity',
      from: 'best',
      format: 'folder',
    });
    const cliOut = path.join(fixture.base, 'cli-export');
    const runDir = path.join(fixture.base, 'project', 'runs', 'parity');
    const cli = runSegstudio(['export', runDir, '--from', 'best', '--out', cliOut], {}, 120_000);
    expect(cli.status, cli.stderr).toBe(0);

    const fromApp = manifestOf(app.path);
    const fromCli = manifestOf(cliOut);
    expect(Object.keys(fromApp).sort()).toEqual(Object.keys(fromCli).sort());
    for (const field of Object.keys(fromApp)) {
      if (field === 'exportedAt') continue;
      expect(fromCli[field], field).toEqual(fromApp[field]);
    }

    const history = await fixture.call<RunHistory>('training:history', { runName: 'parity' });
    const epoch = history.epochs.at(-1)!;
    expect(fromApp['metrics']).toEqual({
      split: 'val',
      mIoU: epoch.mIoU,
      pixelAccuracy: epoch.pixelAccuracy,
      meanClassAccuracy: epoch.meanClassAccuracy,
      // The default preset validates with a test-time flip; the manifest says so.
      testTimeFlip: true,
    });
    expect(epoch.mIoU).not.toBeNull();
    expect(report.mIoU).not.toBe(epoch.mIoU);
    expect(fromApp['origin']).toEqual({ run: 'parity', checkpoint: 'best', step: 4 });
  });
});
