import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/build';
import { runSegstudio } from '../support/cli';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';

const segstudio = (...args: string[]) => runSegstudio(args, {}, 120_000);

/** Bad input to `segstudio train` / `resume`: exit 1 with the file and the reason. */
describe('segstudio train / resume errors name the file and the reason', () => {
  let dataset: string;
  let runs: string;

  beforeAll(() => {
    ensureBuilt();
    dataset = makeMiniCamvid({ train: 2, val: 1 });
    runs = tempDir('cli-errors').dir;
  });
  afterAll(() => {
    rmSync(dataset, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  });

  it('a dataset folder that does not exist (or is a file), before any run folder is made', () => {
    const missing = path.join(runs, 'no-such-dataset');
    const runDir = path.join(runs, 'r-missing');
    const r = segstudio('train', '--dataset', missing, '--run', runDir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`--dataset ${missing}: no such folder`);
    expect(existsSync(runDir)).toBe(false);

    const file = path.join(runs, 'a-file');
    writeFileSync(file, 'x');
    const f = segstudio('train', '--dataset', file, '--run', runDir);
    expect(f.status).toBe(1);
    expect(f.stderr).toContain(`--dataset ${file}: is a file`);
  });

  it('a folder that is not a run', () => {
    const r = segstudio('resume', runs);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${runs} is not a Seg Studio run folder (no run.json)`);
  });

  it('a run whose dataset moved, then corrupt checkpoints (fallback with a message, then none)', async () => {
    const runDir = path.join(runs, 'one-step');
    const size = ['--size', '64x48', '--batch', '1', '--val', 'none'];
    const first = segstudio(
      'train',
      '--dataset',
      dataset,
      '--run',
      runDir,
      ...size,
      '--steps',
      '1',
    );
    expect(first.status, first.stderr).toBe(0);

    // --steps is a total: one the run already reached is a usage error, not a silent no-op.
    const behind = segstudio('resume', runDir, '--steps', '1');
    expect(behind.status).toBe(2);
    expect(behind.stderr).toContain(`${runDir} already has 1 steps: give more than 1`);

    const moved = `${dataset}-moved`;
    renameSync(dataset, moved);
    try {
      const r = segstudio('resume', runDir);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(
        `Cannot open the dataset ${dataset}: the folder does not exist (moved or deleted?)`,
      );
    } finally {
      renameSync(moved, dataset);
    }

    const corrupt = async (slot: string) => {
      const file = path.join(runDir, 'checkpoints', slot, 'model.bin');
      const bytes = await readFile(file);
      bytes[100] = bytes[100]! ^ 0xff;
      await writeFile(file, bytes);
    };
    // A second checkpoint (step 2, `previous` = step 1); a corrupt `last` falls back, saying so.
    const second = segstudio('resume', runDir, '--steps', '2');
    expect(second.status, second.stderr).toBe(0);
    await corrupt('last');
    const fallback = segstudio('resume', runDir, '--steps', '3', '--json');
    expect(fallback.status, fallback.stderr).toBe(0);
    expect(fallback.stderr).toMatch(
      /checkpoint 'last' is unusable: model\.bin fails its sha256 check/,
    );
    expect(JSON.parse(fallback.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      state: 'paused',
      globalStep: 3,
    });

    // Nothing intact left: the error names the folder and every checkpoint's reason.
    await corrupt('last');
    await corrupt('previous');
    const r = segstudio('resume', runDir);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `no usable checkpoint in ${path.join(runDir, 'checkpoints')}: checkpoint 'last' is unusable: model\\.bin fails its sha256 check; checkpoint 'previous' is unusable: model\\.bin fails`,
      ),
    );
  });
});
