import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/build';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'segstudio.cjs');

function segstudio(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

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
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    const report = JSON.parse(last) as Record<string, unknown>;
    expect(report).toMatchObject({
      cpus: expect.any(Number),
      sharp: expect.any(String),
      libvips: expect.any(String),
    });
    expect(['tensorflow', 'cpu']).toContain(report['backend']);
    if (report['backend'] !== 'tensorflow') expect(r.stderr).toContain('WARNING');
  });
});
