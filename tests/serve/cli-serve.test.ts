import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtEntry, packageRoot } from '../../main/paths';
import { sampleDatasetDir } from '../../main/services/project';
import { runSegstudio } from '../support/cli';

// The real `segstudio serve` process (needs `node scripts/build.mjs --no-renderer`).
const bin = path.join(packageRoot(), 'bin', 'segstudio.cjs');
let dataDir: string;
let child: ChildProcess;
let url: URL;
let output = '';

beforeAll(async () => {
  builtEntry('cli');
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-cli-serve-'));
  child = spawn(process.execPath, [bin, 'serve', sampleDatasetDir(), '--port', '0', '--no-open'], {
    env: { ...process.env, SEGSTUDIO_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 30_000);
    child.stdout?.on('data', () => {
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(new URL(match[1]));
      }
    });
  });
});

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const bearer = () => ({ authorization: `Bearer ${url.searchParams.get('token')}` });

describe('segstudio serve (process)', () => {
  it('opens the dataset given on the command line and reports it in /api/health', async () => {
    expect(output).toContain(`Opened dataset ${sampleDatasetDir()}`);
    expect((await fetch(`${url.origin}/api/health`)).status).toBe(401);
    const health = await fetch(`${url.origin}/api/health`, { headers: bearer() });
    expect(await health.json()).toMatchObject({ ok: true, project: 'sample' });
  });

  it('serves a generated thumbnail of the opened dataset', async () => {
    const thumb = await fetch(`${url.origin}/media/sample/train/scene_train_001/thumb`, {
      headers: bearer(),
    });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect((await thumb.arrayBuffer()).byteLength).toBeGreaterThan(500);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('never loads Electron (serve runs on plain Node)', () => {
    const bundle = readFileSync(builtEntry('cli'), 'utf8');
    expect(bundle).not.toMatch(/require\(["']electron["']\)/);
  });

  it('explains bad arguments', () => {
    const env = { SEGSTUDIO_DATA_DIR: dataDir };
    const port = runSegstudio(['serve', '--port', '70000', '--no-open'], env);
    expect(port.status).toBe(2);
    expect(String(port.stderr)).toMatch(/--port must be 0\.\.65535/);
    const missing = runSegstudio(['serve', path.join(dataDir, 'nope'), '--no-open'], env);
    expect(missing.status).toBe(1);
    expect(String(missing.stderr)).toMatch(/nope does not exist/);
  });
});
