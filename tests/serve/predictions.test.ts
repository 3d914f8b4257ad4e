import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../shared/contracts/common';
import type { SampleDetail } from '../../shared/contracts/dataset';
import type { EvalReport } from '../../shared/contracts/evaluation';
import type { RunSummary } from '../../shared/contracts/training';
import { builtEntry } from '../../main/paths';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import { predictionsDir } from '../../main/services/predictions';
import { serviceCalls } from '../support/services';

// The whole path on the bundled sample with real workers: train a few steps, evaluate, and
// the sample viewer gets predicted masks and an error map (needs the built training worker).
let base: string;
let services: AppServices;
const events: { channel: string; payload: unknown }[] = [];

const { call } = serviceCalls(() => services);

function eventually(test: (channel: string, payload: unknown) => boolean, timeout = 90_000) {
  return new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (events.some((e) => test(e.channel, e.payload))) resolve();
      else if (Date.now() - started > timeout) reject(new Error('timed out waiting for an event'));
      else setTimeout(check, 50);
    };
    check();
  });
}

beforeAll(async () => {
  builtEntry('training-worker');
  base = mkdtempSync(path.join(os.tmpdir(), 'segstudio-predictions-'));
  services = createAppServices(createServeHost(path.join(base, 'data')));
  services.events.addSink((channel, payload) => events.push({ channel, payload }));
  await call('project:openSample');
});

afterAll(async () => {
  await services.dispose();
  rmSync(base, { recursive: true, force: true });
});

describe('predicted masks for the sample viewer', () => {
  it('are made after an evaluation and give pred, predIndex and error layers', async () => {
    await call<RunSummary>('training:start', {
      runName: 'viewer-run',
      width: 64,
      height: 64,
      batch: 4,
      epochs: 1,
      stopAfterSteps: 2,
    });
    await eventually(
      (channel, payload) =>
        channel === 'training@state' &&
        ['paused', 'finished'].includes((payload as RunSummary).state),
    );
    const report = await call<EvalReport>('evaluation:evaluate', {
      runName: 'viewer-run',
      split: 'val',
      from: 'last',
    });
    expect(report.perImage).toHaveLength(12);
    await eventually(
      (channel, payload) =>
        channel === 'project@job' &&
        (payload as JobProgress).kind === 'predict' &&
        (payload as JobProgress).state === 'done',
    );
    const { cacheDir } = services.session.require();
    expect(
      existsSync(path.join(predictionsDir(cacheDir, 'viewer-run', 'val'), 'scene_val_001.png')),
    ).toBe(true);

    const detail = await call<SampleDetail>('dataset:sample', {
      split: 'val',
      id: 'scene_val_001',
      runName: 'viewer-run',
    });
    expect(detail.iou).toBe(report.perImage.find((p) => p.sample === 'scene_val_001')?.mIoU);
    for (const layer of ['pred', 'predIndex', 'error'] as const) {
      const media = detail.media[layer];
      expect(media, layer).toBe(`sample/val/scene_val_001/${layer}/viewer-run`);
      const found = await services.media.resolve(media!);
      if (!found.ok) throw new Error(`${layer}: ${found.reason}`);
      const meta = await sharp(found.file).metadata();
      expect([meta.width, meta.height], layer).toEqual([128, 96]);
    }
  });
});
