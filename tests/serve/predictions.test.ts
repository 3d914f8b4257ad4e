import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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
import { evalMaskPaths, MaskStamp } from '../../main/training/eval-masks';
import { serviceCalls } from '../support/services';

// The whole path on the bundled sample with real workers: train a few steps, evaluate, and
// the sample viewer gets predicted masks and an error map (needs the built training worker):
// the evaluation's own masks, or for a report without them, a predict job's.
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

async function servedLayers(report: EvalReport): Promise<void> {
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
}

const predictJobs = () =>
  events.filter((e) => e.channel === 'project@job' && (e.payload as JobProgress).kind === 'predict')
    .length;

describe('predicted masks for the sample viewer', () => {
  let report: EvalReport;

  it('are kept by the evaluation itself and give pred, predIndex and error layers', async () => {
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
    report = await call<EvalReport>('evaluation:evaluate', {
      runName: 'viewer-run',
      split: 'val',
      from: 'last',
    });
    expect(report.perImage).toHaveLength(12);
    const runDir = path.join(services.session.require().runsDir, 'viewer-run');
    const kept = evalMaskPaths(runDir, 'val');
    const stamp = MaskStamp.parse(JSON.parse(readFileSync(kept.stamp, 'utf8')));
    expect(stamp).toMatchObject({
      runName: 'viewer-run',
      split: 'val',
      checkpoint: 'last',
      evaluatedAt: report.evaluatedAt,
      count: 12,
    });
    expect(readdirSync(kept.dir).filter((f) => f.endsWith('.png'))).toHaveLength(12);
    const mask = await sharp(path.join(kept.dir, 'scene_val_001.png')).metadata();
    expect([mask.width, mask.height, mask.channels]).toEqual([128, 96, 1]);

    await servedLayers(report);
    // The dataset service looks for fresh reports up to 5 s after an evaluation ends.
    await new Promise((r) => setTimeout(r, 5_500));
    expect(predictJobs()).toBe(0);
    const { cacheDir } = services.session.require();
    expect(existsSync(predictionsDir(cacheDir, 'viewer-run', 'val'))).toBe(false);
  });

  it('are predicted again for a report without kept masks (older evaluations)', async () => {
    const runDir = path.join(services.session.require().runsDir, 'viewer-run');
    const kept = evalMaskPaths(runDir, 'val');
    rmSync(kept.stamp);
    rmSync(kept.dir, { recursive: true });
    // Opening a sample of the run starts the predict job.
    await call<SampleDetail>('dataset:sample', {
      split: 'val',
      id: 'scene_val_001',
      runName: 'viewer-run',
    });
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
    await servedLayers(report);
  });
});
