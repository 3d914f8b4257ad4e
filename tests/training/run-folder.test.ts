import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { appendJsonLines, readJsonLines, retainJsonLines } from '../../main/training/jsonl';
import {
  RunFolderError,
  listRunFolders,
  readRunFile,
  settledState,
  summarizeRun,
  updateRunFile,
} from '../../main/training/run-folder';
import { TrainingHost } from '../../main/training/host';
import { configFromRequest } from '../../main/training/request';
import { forkNodeWorker } from '../../main/worker/port';
import { TrainRequest } from '../../shared/contracts/training';
import { createRun } from './helpers';
import { tempDir } from '../support/folders';

describe('run folders and history files', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('run-folder').dir;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates, refuses to overwrite, and lists runs newest first', async () => {
    const a = await createRun(dir, 'a', '/data/x');
    await expect(createRun(dir, 'a', '/data/x')).rejects.toThrow(RunFolderError);
    await new Promise((r) => setTimeout(r, 5));
    await createRun(dir, 'b', '/data/x');
    writeFileSync(path.join(dir, 'junk.txt'), 'not a run');
    expect((await listRunFolders(dir)).map((r) => r.runName)).toEqual(['b', 'a']);
    const run = await readRunFile(a);
    expect(run).toMatchObject({ state: 'idle', trainSplit: 'train', valSplit: 'val' });
    expect(run.config.inputSize).toEqual({ width: 64, height: 64 });
  });

  it('names the file and the reason for a damaged run.json', async () => {
    const bad = path.join(dir, 'bad');
    await createRun(dir, 'bad', '/data/x');
    writeFileSync(path.join(bad, 'run.json'), '{"version": 1,');
    await expect(readRunFile(bad)).rejects.toThrow(/run\.json is not valid JSON/);
    await expect(readRunFile(path.join(dir, 'none'))).rejects.toThrow(
      /not a Seg Studio run folder/,
    );
  });

  it('a run left "running" by a dead app reads as paused (or idle before its first step)', async () => {
    const c = await createRun(dir, 'c', '/data/x');
    let run = await updateRunFile(c, { state: 'running', globalStep: 0 });
    expect(settledState(run)).toBe('idle');
    run = await updateRunFile(c, { state: 'pausing', globalStep: 12 });
    expect(settledState(run)).toBe('paused');
    expect(summarizeRun(run).state).toBe('paused');
    expect(summarizeRun(run, { state: 'running' }).state).toBe('running');
  });

  it('skips a torn last line and keeps appending on a fresh line', async () => {
    const file = path.join(dir, 'steps.jsonl');
    const Line = z.object({ step: z.number(), loss: z.number() });
    await appendJsonLines(file, [{ step: 1, loss: 1 }]);
    appendFileSync(file, '{"step": 2, "lo');
    expect(await readJsonLines(file, Line)).toEqual([{ step: 1, loss: 1 }]);
    await appendJsonLines(file, [{ step: 3, loss: 3 }]);
    expect(await readJsonLines(file, Line)).toEqual([
      { step: 1, loss: 1 },
      { step: 3, loss: 3 },
    ]);
    await retainJsonLines(file, Line, (l) => l.step <= 1);
    expect(readFileSync(file, 'utf8')).toBe('{"step":1,"loss":1}\n');
  });

  it('maps form fields onto the preset config', () => {
    const req = TrainRequest.parse({
      runName: 'r',
      preset: 'seed-alexnet-fcn',
      width: 96,
      lr: 0.01,
      augment: false,
      classWeights: true,
    });
    const config = configFromRequest(req);
    expect(config.inputSize).toEqual({ width: 96, height: 240 });
    expect(config.batchSize).toBe(16);
    expect(config.optimizer.lr).toBe(0.01);
    expect(config.augmentation.flip).toBe(false);
    expect(config.classWeights).toBe('inverse-sqrt-frequency');
  });
});

describe('training host without a worker bundle', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('host-nobundle').dir;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ends the run as crashed with the reason, and is free for the next run', async () => {
    const runDir = await createRun(dir, 'nobundle', '/data/x');
    const host = new TrainingHost({
      spawn: forkNodeWorker,
      workerEntry: () => {
        throw new Error('out/main/training-worker.cjs is missing');
      },
    });
    const summary = await host.start(runDir);
    expect(summary.state).toBe('crashed');
    const outcome = await host.waitForSettled();
    expect(outcome?.message).toMatch(/Cannot start the training process: .*missing/);
    expect((await readRunFile(runDir)).state).toBe('crashed');
    expect(host.status().active).toBeNull();
    expect(host.waitForSettled()).toBeNull();
  });
});
