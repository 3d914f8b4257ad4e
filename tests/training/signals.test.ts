import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunFile } from '../../main/training/run-folder';
import {
  childPids,
  connectClient,
  isAlive,
  progressStep,
  startServeProcess,
} from '../support/serve-process';
import { miniCamvidRuns } from './helpers';

// Real processes, real signals: `segstudio train` and `segstudio serve` (also launched through
// `npx`, where npm -> sh -> node) must pause the training with a checkpoint and exit, leaving
// no process behind, whichever way they are told to stop.

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'segstudio.cjs');
const fx = miniCamvidRuns('signal-runs', { train: 8, val: 2 });
const dataDirs: string[] = [];
const started: number[] = [];

afterAll(() => {
  for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Resolves once `pid` no longer exists (bounded by the test's timeout, never by a clock). */
async function gone(pid: number): Promise<void> {
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The run folder named `runName` somewhere under `dir` (the serve project's runs/). */
function findRun(dir: string, runName: string): string {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = path.join(dir, entry.name);
    if (entry.name === runName && existsSync(path.join(full, 'run.json'))) return full;
    const deeper = findRun(full, runName);
    if (deeper) return deeper;
  }
  return '';
}

/**
 * Paused, and `last` holds the step it paused at: written for the pause, or by the epoch end of
 * that very step (the loop then writes no identical second copy; with one-step epochs and no
 * val split a signal often lands right after an epoch checkpoint).
 */
async function expectPausedWithCheckpoint(runDir: string): Promise<void> {
  const run = await readRunFile(runDir);
  expect(run.state).toBe('paused');
  const manifest = JSON.parse(
    readFileSync(path.join(runDir, 'checkpoints', 'last', 'manifest.json'), 'utf8'),
  ) as { reason: string; globalStep: number };
  expect(['pause', 'epoch']).toContain(manifest.reason);
  expect(manifest.globalStep).toBeGreaterThan(0);
  expect(manifest.globalStep).toBe(run.globalStep);
}

describe('segstudio train on SIGTERM / SIGHUP', () => {
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal} pauses after the current step with a checkpoint, exits 0, leaves no worker`, async () => {
      const runDir = path.join(fx.runs, `train-${signal}`);
      const args = ['train', '--dataset', fx.dataset, '--run', runDir, '--size', '64x64'];
      const child = spawn(process.execPath, [bin, ...args, '--batch', '2', '--epochs', '500'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(child.pid!);
      // Human output: notes on stdout, the progress bar on stderr.
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      const progressing = new Promise<void>((resolve) =>
        child.stderr.on('data', (d: Buffer) => {
          output += d.toString();
          if (/train \[/.test(output)) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const first = await Promise.race([progressing.then(() => 'progress'), exited]);
      expect(first, `the CLI ended before training started:\n${output}`).toBe('progress');
      const workers = childPids(child.pid!);
      expect(workers.length, 'a training worker process').toBeGreaterThan(0);

      child.kill(signal);
      expect(await exited, output).toBe(0);
      expect(output).toContain(`${signal}: pausing after the current step`);
      for (const pid of workers) await gone(pid);
      await expectPausedWithCheckpoint(runDir);
    }, 120_000);
  }
});

describe('`npx segstudio train` when its whole process group is signalled', () => {
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal} to the group (a closed terminal) pauses once, with a checkpoint`, async () => {
      // npm -> sh -> node -> worker, all in one new group; the shell dies of the signal too,
      // which must not count as a second request (that would kill the worker unsaved).
      const runDir = path.join(fx.runs, `npx-group-${signal}`);
      const args = ['train', '--dataset', fx.dataset, '--run', runDir, '--size', '64x64'];
      const npm = spawn('npx', ['--yes', 'segstudio', ...args, '--batch', '2', '--epochs', '500'], {
        cwd: root,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(npm.pid!);
      let output = '';
      npm.stdout.on('data', (d: Buffer) => (output += d.toString()));
      const progressing = new Promise<void>((resolve) =>
        npm.stderr.on('data', (d: Buffer) => {
          output += d.toString();
          if (/train \[/.test(output)) resolve();
        }),
      );
      const exited = new Promise<void>((resolve) => npm.on('exit', () => resolve()));
      await progressing;
      const node = childPids(npm.pid!).flatMap((sh) => childPids(sh))[0];
      expect(node, 'the node CLI under npm and sh').toBeDefined();
      started.push(node!);
      const workers = childPids(node!);
      expect(workers.length).toBeGreaterThan(0);

      process.kill(-npm.pid!, signal);
      await exited;
      await gone(node!);
      for (const pid of workers) await gone(pid);
      expect(output).toContain(`${signal}: pausing after the current step`);
      expect(output).not.toContain('stopping immediately');
      await expectPausedWithCheckpoint(runDir);
    }, 120_000);
  }
});

describe('segstudio serve with a training running', () => {
  async function serveTraining(runName: string, viaNpx: boolean) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-signals-'));
    dataDirs.push(dataDir);
    const serve = await startServeProcess(
      [fx.dataset],
      { SEGSTUDIO_DATA_DIR: dataDir },
      { viaNpx },
    );
    started.push(serve.child.pid!);
    const client = await connectClient(serve);
    const request = { runName, width: 64, height: 64, batch: 2, epochs: 500, valSplit: null };
    expect(await client.call('training:start', request)).toMatchObject({ ok: true });
    await client.waitFor((m) => progressStep(m) >= 1);
    return { serve, client, dataDir };
  }

  it('SIGHUP pauses the training with a checkpoint and exits 0', async () => {
    const { serve, dataDir } = await serveTraining('serve-hup', false);
    const workers = childPids(serve.child.pid!);
    expect(workers.length).toBeGreaterThan(0);
    serve.child.kill('SIGHUP');
    expect((await serve.exited).code, serve.output()).toBe(0);
    expect(serve.output()).toContain('Stopping (SIGHUP): pausing any training');
    for (const pid of workers) await gone(pid);
    await expectPausedWithCheckpoint(findRun(dataDir, 'serve-hup'));
  }, 120_000);

  it('`kill <npm pid>` of `npx segstudio serve` stops the real node process too', async () => {
    const { serve, dataDir } = await serveTraining('serve-npx', true);
    // npm exec -> sh -c segstudio -> node (the server) -> the training worker.
    const npm = serve.child.pid!;
    const node = childPids(npm).flatMap((sh) => childPids(sh))[0];
    expect(node, 'the node server under npm and sh').toBeDefined();
    started.push(node!);
    const workers = childPids(node!);
    expect(workers.length).toBeGreaterThan(0);

    process.kill(npm, 'SIGTERM');
    await serve.exited;
    await gone(node!);
    for (const pid of workers) await gone(pid);
    expect(serve.output()).toContain('Stopping (launcher exited): pausing any training');
    await expectPausedWithCheckpoint(findRun(dataDir, 'serve-npx'));
  }, 120_000);
});
