import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../main/paths';
import { makeDamaged } from './fixtures/damaged';
import { CAMVID, tempDir, treeFingerprint } from './helpers';

const root = packageRoot();
const cli = path.join(root, 'bin', 'segstudio.cjs');

function inspect(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cli, 'inspect', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface InspectJson {
  format: string;
  splits: Record<string, { listed: number; usable: number }>;
  classes: { id: number; name: string; color: number[]; void?: boolean }[];
  problems: { split: string; sample: string; path: string; reason: string }[];
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function bundleIsStale(): boolean {
  const bundle = path.join(root, 'out', 'main', 'cli.cjs');
  if (!existsSync(bundle)) return true;
  const built = statSync(bundle).mtimeMs;
  return ['main', 'shared'].some((dir) => newestSource(path.join(root, dir)) > built);
}

const lastJson = (stdout: string): InspectJson =>
  JSON.parse(stdout.trim().split('\n').at(-1)!) as InspectJson;

describe('segstudio inspect (real CLI process)', () => {
  beforeAll(() => {
    // The CLI runs from the bundle. Rebuild the node entries (fast, no renderer) only when a
    // source is newer than it, so a fresh `npm run build` is not rewritten under other tests.
    if (bundleIsStale()) {
      execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--no-renderer'], {
        stdio: 'pipe',
      });
    }
  });

  it('prints CamVid as one JSON object on the last stdout line', () => {
    const run = inspect([CAMVID, '--json']);
    expect(run.status).toBe(0);
    const result = lastJson(run.stdout);
    expect(result.format).toBe('pairlist');
    expect(result.splits).toEqual({
      train: { listed: 367, usable: 367 },
      val: { listed: 101, usable: 101 },
    });
    expect(result.classes).toHaveLength(12);
    expect(result.classes.filter((c) => !c.void)).toHaveLength(11);
    expect(result.classes.find((c) => c.void)).toEqual({
      id: 11,
      name: 'Unlabelled',
      color: [0, 0, 0],
      void: true,
    });
    expect(result.problems).toEqual([]);
    expect(run.stderr).toContain('checking files');
  });

  it('prints a human summary with problems grouped by reason', async () => {
    const work = tempDir('cli');
    try {
      const data = path.join(work.dir, 'CamVid');
      await makeDamaged(data);
      const before = treeFingerprint(data);
      const human = inspect([data]);
      expect(human.status).toBe(0);
      expect(human.stdout).toContain('format    pairlist');
      expect(human.stdout).toMatch(/train\s+19\s+3/);
      expect(human.stdout).toContain('size_mismatch (1)');
      expect(human.stdout).toContain(
        'train/small_ann: annotation trainannot/small_ann.png is 32x22',
      );
      const json = lastJson(inspect([data, '--json', '--format', 'pairlist']).stdout);
      expect(json.problems.find((p) => p.sample === 'odd_ids')?.reason).toBe('unknown_ids');
      expect(treeFingerprint(data)).toEqual(before);
    } finally {
      work.cleanup();
    }
  });

  it('rejects a bad --format with a usage error', () => {
    const run = inspect([CAMVID, '--format', 'coco']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--format must be one of');
  });
});
