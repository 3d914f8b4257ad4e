import { readFile, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainRequest } from '../../shared/contracts/training';
import { openEngineSession } from '../../main/training/engine-session';
import { exportRun } from '../../main/training/run-jobs';
import { configFromRequest } from '../../main/training/request';
import { createRunFolder } from '../../main/training/run-folder';
import { createRun, lastWeights } from './helpers';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';
import { maxWeightDiff } from '../support/weights';

const open = openEngineSession(() => undefined);

/** `segstudio train --init MODEL_DIR`: an exported model starts a new run (fine-tuning). */
describe('fine-tuning from an exported model', () => {
  let dataset: string;
  let runs: string;
  let exported: string;
  let source: string;

  async function runFrom(name: string, init: string, extra: Partial<TrainRequest> = {}) {
    const request = TrainRequest.parse({
      runName: name,
      preset: 'default',
      width: 96,
      height: 64,
      batch: 1,
      epochs: 1,
      ...extra,
    });
    const runDir = path.join(runs, name);
    await createRunFolder(runDir, {
      runName: name,
      request,
      config: configFromRequest(request),
      dataset: { root: dataset, descriptor: null },
      initFrom: init,
    });
    return runDir;
  }

  beforeAll(async () => {
    dataset = makeMiniCamvid({ train: 2, val: 1 });
    runs = tempDir('fine-tune').dir;
    source = await createRun(runs, 'source', dataset);
    const { session } = await open(source, { kind: 'start' });
    try {
      await session.step();
      await session.saveCheckpoint({ reason: 'pause', mIoU: null });
    } finally {
      session.dispose();
    }
    exported = path.join(runs, 'exported');
    await exportRun({ runDir: source, from: 'last', format: 'folder', target: exported });
  });
  afterAll(() => {
    rmSync(dataset, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  });

  it('starts with exactly the exported weights, at another input size', async () => {
    const runDir = await runFrom('tuned', exported);
    const { session, resumedFrom } = await open(runDir, { kind: 'start' });
    try {
      expect(resumedFrom).toBeNull();
      expect(session.position().globalStep).toBe(0);
      await session.saveCheckpoint({ reason: 'pause', mIoU: null });
    } finally {
      session.dispose();
    }
    expect(maxWeightDiff(await lastWeights(runDir), await lastWeights(source))).toBe(0);
  });

  it('refuses another preset, or another layout version, naming the model folder', async () => {
    const alex = await runFrom('alex', exported, { preset: 'seed-alexnet-fcn' });
    await expect(open(alex, { kind: 'start' })).rejects.toThrow(
      `${exported}: the model is a default network; this run trains seed-alexnet-fcn`,
    );

    const manifestFile = path.join(exported, 'segstudio.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as Record<string, unknown>;
    await writeFile(
      manifestFile,
      JSON.stringify({ ...manifest, architecture: { id: 'default', version: 1 } }),
    );
    const old = await runFrom('old', exported);
    await expect(open(old, { kind: 'start' })).rejects.toThrow(
      `model ${exported} holds a default v1 network; this version of Seg Studio builds default v2`,
    );
  });
});
