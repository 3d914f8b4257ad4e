import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProducedFile } from '../../shared/contracts/common';
import type { EvalReport } from '../../shared/contracts/evaluation';
import type {
  CheckpointInfo,
  RunHistory,
  RunSummary,
  StepProgress,
} from '../../shared/contracts/training';
import { readZip } from '../../main/fs/zip';
import { createServeHost } from '../../main/serve/host';
import { createAppServices } from '../../main/services/index';
import { makeTrainingConfig } from '../../main/engine/config';
import { readRunFile } from '../../main/training/run-folder';
import { ensureBuilt } from '../support/build';
import {
  serviceCalls,
  startMiniCamvidServices,
  type MiniCamvidServices,
} from '../support/services';

// The real services behind the UI, on a few CamVid images, with real worker processes.
let fixture: MiniCamvidServices;
const { call, callError } = serviceCalls(() => fixture.services);

const stateIs = (state: string) => (channel: string, payload: unknown) =>
  channel === 'training@state' && (payload as RunSummary).state === state;

beforeAll(async () => {
  ensureBuilt();
  fixture = startMiniCamvidServices('training-services', { train: 8, val: 4 });
  await fixture.openDataset();
});

afterAll(() => fixture.dispose());

describe('training service', () => {
  it('lists presets with their form defaults', async () => {
    const presets =
      await call<{ preset: string; defaults: { width: number } }[]>('training:presets');
    expect(presets.map((p) => p.preset).sort()).toEqual(['default', 'seed-alexnet-fcn']);
    expect(presets.find((p) => p.preset === 'seed-alexnet-fcn')?.defaults.width).toBe(240);
  });

  it('refuses a start request with a field it does not know, naming it, and makes no run', async () => {
    // widthMultiplier is a config field (`--config`), not a request field: dropping it silently
    // would train a width the client did not ask for.
    const error = await callError('training:start', { runName: 'svc-typo', widthMultiplier: 2 });
    expect(error.code).toBe('invalid_payload');
    expect(error.message).toContain('unknown field "widthMultiplier"');
    expect(existsSync(path.join(fixture.base, 'project', 'runs', 'svc-typo'))).toBe(false);
    const fineTune = await callError('training:fineTune', {
      sourceRun: 'svc-run',
      runName: 'svc-typo',
      epoch: 2,
    });
    expect(fineTune.message).toContain('unknown field "epoch"');
  });

  it('starts a run, streams progress/epoch/checkpoint events, pauses and resumes it', async () => {
    const started = await call<RunSummary>('training:start', {
      runName: 'svc-run',
      width: 64,
      height: 64,
      batch: 2,
      epochs: 2,
      stopAfterSteps: 5,
    });
    expect(started).toMatchObject({ runName: 'svc-run', state: 'starting' });
    // A partial request merges onto the preset's defaults, not the config schema's.
    const { config } = await readRunFile(path.join(fixture.base, 'project', 'runs', 'svc-run'));
    expect(config).toEqual(
      makeTrainingConfig({ inputSize: { width: 64, height: 64 }, batchSize: 2, epochs: 2 }),
    );
    expect(config).toMatchObject({ widthMultiplier: 1.5, schedule: { type: 'poly' } });
    expect(config.augmentation.flip).toBe(true);
    expect((await callError('training:start', { runName: 'svc-run' })).code).toBe('run_exists');
    await fixture.eventually(stateIs('paused'));

    const progress = fixture.events.filter((e) => e.channel === 'training@progress');
    expect(progress.length).toBeGreaterThan(0);
    expect((progress.at(-1)!.payload as StepProgress).totalSteps).toBe(8);
    expect(fixture.events.some((e) => e.channel === 'training@epoch')).toBe(true);
    const checkpoints = fixture.events
      .filter((e) => e.channel === 'training@checkpoint')
      .map((e) => e.payload as CheckpointInfo);
    expect(checkpoints.map((c) => c.reason)).toEqual(expect.arrayContaining(['epoch', 'pause']));

    const runs = await call<RunSummary[]>('training:runs');
    expect(runs).toMatchObject([
      { runName: 'svc-run', state: 'paused', globalStep: 5, totalSteps: 8 },
    ]);
    expect(await call('training:status')).toMatchObject({ active: null });
    const slots = await call<CheckpointInfo[]>('training:checkpoints', { runName: 'svc-run' });
    expect(slots.map((s) => s.kind).sort()).toEqual(['best', 'last', 'previous']);

    await call<RunSummary>('training:resume', { runName: 'svc-run' });
    await fixture.eventually(stateIs('finished'));
    const history = await call<RunHistory>('training:history', { runName: 'svc-run' });
    expect(history.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    // A settled run's header numbers (loss, LR, speed) come from its step log.
    expect(history.last).toMatchObject({ step: 8, loss: expect.any(Number) });
    expect(history.last?.lr).toBeGreaterThan(0);
    expect(history.last?.imgPerSec).toBeGreaterThan(0);
    expect((await call<RunSummary[]>('training:runs'))[0]).toMatchObject({
      state: 'finished',
      globalStep: 8,
      bestMIoU: expect.any(Number),
    });
    expect((await callError('training:resume', { runName: 'nope' })).code).toBe('no_run');
  });
});

describe('evaluation service', () => {
  it('evaluates in a worker, caches the report and exports metrics, model and predictions', async () => {
    expect(await call('evaluation:report', { runName: 'svc-run', split: 'val' })).toBeNull();
    const { reused, ...report } = await call<EvalReport & { reused: boolean }>(
      'evaluation:evaluate',
      { runName: 'svc-run', split: 'val' },
    );
    expect(reused).toBe(false);
    expect(report).toMatchObject({ runName: 'svc-run', split: 'val', checkpoint: 'best' });
    expect(report.perImage).toHaveLength(4);
    expect(report.perClass).toHaveLength(11);
    expect(await call('evaluation:report', { runName: 'svc-run', split: 'val' })).toEqual(report);
    expect(
      fixture.events.some(
        (e) =>
          e.channel === 'project@job' &&
          (e.payload as { kind: string; state: string }).state === 'done',
      ),
    ).toBe(true);

    const csv = await call<ProducedFile>('evaluation:exportMetrics', {
      runName: 'svc-run',
      split: 'val',
      format: 'csv',
    });
    expect(csv.mediaPath).toBe('export/svc-run-val-best-metrics.csv');
    // One table: a header, one row per class, the means last; no second table below.
    const lines = readFileSync(csv.path, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('class_id,class,iou,accuracy,gt_pixels,pred_pixels,note');
    expect(lines).toHaveLength(1 + report.perClass.length + 1);
    expect(lines.every((l) => l.split(',').length >= 7)).toBe(true);
    expect(lines.at(-1)).toMatch(/^,mean,/);
    // The picker says "last" while the cached evaluation is of "best": refuse, never mislabel.
    await expect(
      call('evaluation:exportMetrics', {
        runName: 'svc-run',
        split: 'val',
        from: 'last',
        format: 'csv',
      }),
    ).rejects.toThrow(/best checkpoint, not the last one/);

    const model = await call<ProducedFile>('evaluation:exportModel', { runName: 'svc-run' });
    expect(model.mediaPath).toBe('export/svc-run-best-model.zip');
    const names = readZip(readFileSync(model.path))
      .map((e) => e.name)
      .sort();
    expect(names).toEqual(['model.json', 'segstudio.json', 'weights.bin']);
    expect(statSync(model.path).size).toBe(model.bytes);

    const copy = path.join(fixture.base, 'chosen', 'masks.zip');
    const masks = await call<ProducedFile>('evaluation:exportPredictions', {
      runName: 'svc-run',
      split: 'val',
      destination: copy,
    });
    expect(masks.path).toBe(copy);
    expect(existsSync(copy)).toBe(true);
    expect(readZip(readFileSync(copy)).length).toBe(4);
  });
});

describe('after an app restart', () => {
  it('shows a run that was training when the app died as paused, and resumes it', async () => {
    const runJson = path.join(fixture.base, 'project', 'runs', 'svc-run', 'run.json');
    const run = JSON.parse(readFileSync(runJson, 'utf8')) as Record<string, unknown>;
    writeFileSync(runJson, JSON.stringify({ ...run, state: 'running' }));

    const fresh = createAppServices(createServeHost(path.join(fixture.base, 'data2')));
    const seen: string[] = [];
    fresh.events.addSink((channel, payload) => {
      if (channel === 'training@state') seen.push((payload as RunSummary).state);
    });
    try {
      const { call: dispatch } = serviceCalls(() => fresh);
      await dispatch('project:openProject', { projectDir: path.join(fixture.base, 'project') });
      expect(await dispatch<RunSummary[]>('training:runs')).toMatchObject([
        { runName: 'svc-run', state: 'paused', globalStep: 8 },
      ]);
      await dispatch('training:resume', { runName: 'svc-run' });
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (seen.some((state) => ['finished', 'paused', 'stopped', 'crashed'].includes(state))) {
            clearInterval(timer);
            resolve();
          }
        }, 100);
      });
      expect(seen.at(-1)).toBe('finished');
      expect((await dispatch<RunSummary[]>('training:runs'))[0]?.state).toBe('finished');
    } finally {
      await fresh.dispose();
    }
  });
});
