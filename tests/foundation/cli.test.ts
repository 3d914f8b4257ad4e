import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readProvisioningStatus } from '../../main/cli/commands/doctor';
import { ensureBuilt } from '../support/build';
import { lastJsonLine, runSegstudio } from '../support/cli';

const segstudio = (...args: string[]) => runSegstudio(args);
const bin = path.resolve(__dirname, '../../bin/segstudio.cjs');

describe('segstudio CLI skeleton', () => {
  beforeAll(() => ensureBuilt());

  it('prints help listing its commands', () => {
    const r = segstudio('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('usage: segstudio <command>');
    expect(r.stdout).toContain('doctor');
  });

  it('prints the package version', () => {
    const r = segstudio('--version');
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 on an unknown command or flag', () => {
    expect(segstudio('frobnicate').status).toBe(2);
    const bad = segstudio('doctor', '--no-such-flag');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage: segstudio doctor');
  });

  it('doctor --json ends with one JSON line describing the backend and sharp', () => {
    const r = segstudio('doctor', '--json');
    expect(r.status).toBe(0);
    const report = lastJsonLine<Record<string, unknown>>(r.stdout);
    expect(report).toMatchObject({
      cpus: expect.any(Number),
      sharp: expect.any(String),
      libvips: expect.any(String),
    });
    expect(['tensorflow', 'cpu']).toContain(report['backend']);
    if (report['backend'] !== 'tensorflow') expect(r.stderr).toContain('WARNING');
  });

  it('doctor reports a damaged setup record instead of failing on it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-doctor-'));
    try {
      const file = path.join(dir, '.segstudio-native.json');
      expect(readProvisioningStatus(file)).toBeNull();
      writeFileSync(file, '{"ok": true, "backend": "tensor');
      expect(readProvisioningStatus(file)).toEqual({
        error: expect.stringMatching(
          /\.segstudio-native\.json cannot be read \(.*\); run `npm run setup`$/,
        ),
      });
      writeFileSync(file, '{"ok": true}');
      expect(readProvisioningStatus(file)).toEqual({ ok: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says loudly, once, when a tfjs command runs on the pure-JS fallback', () => {
    const args = 'bench --size 16x16 --batch 1 --classes 2 --steps 1 --warmup 0 --json';
    const r = runSegstudio(args.split(' '), { SEGSTUDIO_BACKEND: 'cpu' });
    expect(r.status).toBe(0);
    const warnings = r.stderr.split('\n').filter((line) => line.includes('pure-JS'));
    expect(warnings).toEqual([
      'WARNING: running on the pure-JS CPU backend, 10-50x slower than native libtensorflow. SEGSTUDIO_BACKEND=cpu was set',
    ]);
    expect(lastJsonLine(r.stdout)).toMatchObject({ backend: 'cpu', native: false });
  });

  it('serve says it too, in the terminal of a headless box', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-serve-fallback-'));
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--no-open'], {
      env: { ...process.env, SEGSTUDIO_BACKEND: 'cpu', SEGSTUDIO_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no warning:\n${stderr}`)), 30_000);
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (!stderr.includes('pure-JS')) return;
          clearTimeout(timer);
          resolve();
        });
      });
      expect(stderr).toMatch(/^WARNING: running on the pure-JS CPU backend/m);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
