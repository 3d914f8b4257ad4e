import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSeedCheckpoint } from '../../main/engine/convert-seed';
import { ensureBuilt } from '../support/build';
import { runSegstudio } from '../support/cli';
import { lastWeights } from './helpers';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';

const root = path.resolve(__dirname, '../..');
const makeFixture = path.join(root, 'tests', 'eval', 'fixtures', 'make_seed_fixture.py');
const hasTorch = spawnSync('python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

if (!hasTorch) {
  console.warn('SKIP seed --init test: PyTorch is not importable (pip install torch).');
}

/** The seed author's path: their PyTorch weight21.pt starts a seed-alexnet-fcn run here. */
describe.skipIf(!hasTorch)('segstudio train --init weight21.pt', () => {
  let dir: string;
  let dataset: string;

  beforeAll(() => {
    ensureBuilt();
    dir = tempDir('seed-init').dir;
    dataset = makeMiniCamvid({ train: 4, val: 2 });
    // Full AlexNet widths, 11 classes like CamVid.
    execFileSync('python3', [makeFixture, dir, '--full', '--classes', '11', '--size', '63']);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataset, { recursive: true, force: true });
  });

  it('starts from the seed weights (one Adam step away after a step)', async () => {
    const seed = path.join(dir, 'weight21.pt');
    const runDir = path.join(dir, 'from-seed');
    const args = [
      '--preset',
      'seed-alexnet-fcn',
      '--size',
      '64x64',
      '--batch',
      '2',
      '--lr',
      '1e-4',
    ];
    const r = runSegstudio(
      [
        'train',
        '--dataset',
        dataset,
        '--run',
        runDir,
        ...args,
        '--init',
        seed,
        '--steps',
        '1',
        '--json',
      ],
      {},
      120_000,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/initialised from .*weight21\.pt: \d+ weights/);

    const imported = await importSeedCheckpoint(seed, { width: 64, height: 64, classes: 11 });
    const expected = new Map(
      imported.model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]),
    );
    imported.model.dispose();
    let maxDiff = 0;
    for (const w of await lastWeights(runDir)) {
      const e = expected.get(w.name)!;
      for (let i = 0; i < w.data.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(w.data[i]! - e[i]!));
    }
    // One Adam update moves each weight by at most about the learning rate.
    expect(maxDiff).toBeLessThan(2e-4);

    const wrong = runSegstudio([
      'train',
      '--dataset',
      dataset,
      '--run',
      path.join(dir, 'x'),
      '--init',
      seed,
    ]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('needs --preset seed-alexnet-fcn');
  });
});
