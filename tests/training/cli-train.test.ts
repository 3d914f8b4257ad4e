import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunFile } from '../../main/training/run-folder';
import { lastJsonLine, runSegstudio } from '../support/cli';
import { miniCamvidRuns, trainArgs } from './helpers';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'segstudio.cjs');

const segstudio = (...args: string[]) => runSegstudio(args, {}, 120_000);

interface TrainResult {
  run: string;
  runName: string;
  state: string;
  epoch: number;
  globalStep: number;
  totalSteps: number;
  loss: number | null;
  checkpoint: { kind: string; path: string; globalStep: number; reason: string } | null;
}

const lastJson = (stdout: string) => lastJsonLine<TrainResult>(stdout);

function lines(file: string): unknown[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
}

describe('segstudio train / resume on a few CamVid val images', () => {
  const fx = miniCamvidRuns('cli-runs', { train: 8, val: 4 });

  it('trains for --steps, pauses with a checkpoint, then resumes to the end', async () => {
    const runDir = path.join(fx.runs, 'cli-run');
    const common = ['--size', '64x64', '--batch', '2', '--epochs', '2', '--seed', '5'];
    const first = segstudio(...trainArgs(fx, runDir), ...common, '--steps', '3', '--json');
    expect(first.status, first.stderr).toBe(0);
    expect(lastJson(first.stdout)).toMatchObject({
      run: runDir,
      runName: 'cli-run',
      state: 'paused',
      epoch: 0,
      globalStep: 3,
      totalSteps: 8,
      loss: expect.any(Number),
      checkpoint: { kind: 'last', globalStep: 3, reason: 'pause' },
    });
    expect(first.stderr).toMatch(/train \[.*\].*step\/s/);
    expect(existsSync(path.join(runDir, 'checkpoints', 'last', 'manifest.json'))).toBe(true);
    expect(lines(path.join(runDir, 'steps.jsonl'))).toHaveLength(3);
    expect((await readRunFile(runDir)).state).toBe('paused');

    const again = segstudio('train', '--dataset', fx.dataset, '--run', runDir, '--json');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('segstudio resume');

    // A bad split fails clearly, and leaves no half-made run behind to block the retry.
    const badDir = path.join(fx.runs, 'bad-split');
    const bad = segstudio('train', '--dataset', fx.dataset, '--run', badDir, '--train', 'nosuch');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('training failed: The dataset has no train split "nosuch"');
    expect(existsSync(badDir)).toBe(false);

    const second = segstudio('resume', runDir, '--steps', '6', '--json');
    expect(second.status, second.stderr).toBe(0);
    expect(lastJson(second.stdout)).toMatchObject({ state: 'paused', epoch: 1, globalStep: 6 });
    expect(second.stderr).toMatch(/epoch 1: train loss \d+\.\d{4} val loss \d+\.\d{4} val mIoU/);
    expect(lines(path.join(runDir, 'metrics.jsonl'))).toMatchObject([
      { epoch: 1, globalStep: 4, mIoU: expect.any(Number) },
    ]);

    const third = segstudio('resume', runDir, '--json');
    expect(third.status, third.stderr).toBe(0);
    const done = lastJson(third.stdout);
    expect(done).toMatchObject({ state: 'finished', epoch: 2, globalStep: 8 });
    expect(
      lines(path.join(runDir, 'steps.jsonl')).map((l) => (l as { step: number }).step),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(lines(path.join(runDir, 'metrics.jsonl'))).toHaveLength(2);
    expect((await readRunFile(runDir)).state).toBe('finished');
  });

  it('Ctrl-C pauses after the current step, writes a checkpoint and exits 0', async () => {
    const runDir = path.join(fx.runs, 'interrupted');
    const child = spawn(
      process.execPath,
      [
        bin,
        'train',
        '--dataset',
        fx.dataset,
        '--run',
        runDir,
        '--size',
        '64x64',
        '--batch',
        '2',
        '--epochs',
        '500',
        '--json',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const progressing = new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/train \[/.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const first = await Promise.race([
      progressing.then(() => 'progress'),
      exited.then(() => 'exit'),
    ]);
    expect(first, `the CLI ended before training started:\n${stderr}`).toBe('progress');
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(0);
    // Pause is prompt: one step plus a checkpoint write, not the rest of the epoch.
    expect(Date.now() - interruptedAt).toBeLessThan(10_000);
    const result = lastJson(stdout);
    expect(result).toMatchObject({
      state: 'paused',
      checkpoint: { kind: 'last', reason: 'pause' },
    });
    expect(result.globalStep).toBeGreaterThan(0);
    expect(result.checkpoint?.globalStep).toBe(result.globalStep);
    expect(stderr).toContain('pausing after the current step');

    // Resumable: a new process continues from that checkpoint (one more step, then pauses).
    // Where Ctrl-C lands is up to the clock: when the extra step ends an epoch, the epoch's
    // checkpoint at that step is the one kept (no second copy), so its reason says `epoch`.
    const target = result.globalStep + 1;
    const stepsPerEpoch = 8 / 2;
    const resumed = segstudio('resume', runDir, '--steps', String(target), '--json');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout)).toMatchObject({
      state: 'paused',
      globalStep: target,
      checkpoint: {
        kind: 'last',
        reason: target % stepsPerEpoch === 0 ? 'epoch' : 'pause',
        globalStep: target,
      },
    });
    const steps = lines(path.join(runDir, 'steps.jsonl')).map((l) => (l as { step: number }).step);
    expect(steps).toEqual([...Array(target).keys()].map((i) => i + 1));
  });
});
