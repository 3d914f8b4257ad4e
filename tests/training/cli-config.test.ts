/**
 * `segstudio train --config FILE` on a real CamVid copy: a YAML config trains with its values,
 * flags override the file, a run's run.json is accepted as it is, and a bad field is named.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunFile } from '../../main/training/run-folder';
import { ensureBuilt } from '../support/build';
import { lastJsonLine, runSegstudio } from '../support/cli';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';

const segstudio = (...args: string[]) => runSegstudio(args, {}, 180_000);

describe('segstudio train --config', () => {
  let dataset: string;
  const work = tempDir('cli-config');
  beforeAll(() => {
    ensureBuilt();
    dataset = makeMiniCamvid({ train: 2, val: 1 });
  });
  afterAll(() => {
    rmSync(dataset, { recursive: true, force: true });
    work.cleanup();
  });

  it('trains with the YAML values, flags win, and a run.json is accepted as it is', async () => {
    const yaml = path.join(work.dir, 'config.yaml');
    writeFileSync(
      yaml,
      [
        'preset: default',
        'inputSize: { width: 64, height: 48 }',
        'batchSize: 1',
        'epochs: 3',
        'seed: 1234',
        'optimizer:',
        '  lr: 0.0007',
        'classWeights: inverse-sqrt-frequency',
        'widthMultiplier: 0.5',
        '',
      ].join('\n'),
    );
    const first = path.join(work.dir, 'from-yaml');
    const args = ['--dataset', dataset, '--val', 'none', '--steps', '1', '--json'];
    const r = segstudio('train', '--config', yaml, '--run', first, '--epochs', '2', ...args);
    expect(r.status, r.stderr).toBe(0);
    const config = (await readRunFile(first)).config;
    expect(config.inputSize).toEqual({ width: 64, height: 48 });
    expect(config.batchSize).toBe(1);
    expect(config.epochs).toBe(2); // the flag, over the file's 3
    expect(config.seed).toBe(1234);
    expect(config.optimizer.lr).toBe(0.0007);
    expect(config.classWeights).toBe('inverse-sqrt-frequency');
    expect(config.widthMultiplier).toBe(0.5);

    const second = path.join(work.dir, 'from-run-json');
    const again = segstudio(
      'train',
      '--config',
      path.join(first, 'run.json'),
      '--run',
      second,
      ...args,
    );
    expect(again.status, again.stderr).toBe(0);
    expect((await readRunFile(second)).config).toEqual(config);
  });

  it('a bad field is named with the file, exit 1, and no run folder is made', () => {
    const bad = path.join(work.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ batchSize: 0 }));
    const runDir = path.join(work.dir, 'never');
    const r = segstudio('train', '--config', bad, '--run', runDir, '--dataset', dataset, '--json');
    expect(r.status).toBe(1);
    const { error } = lastJsonLine<{ error: { message: string; code: string; file: string } }>(
      r.stdout,
    );
    expect(error.code).toBe('invalid-config');
    expect(error.file).toBe(bad);
    expect(error.message).toContain(`--config ${bad}: field batchSize:`);
    const unknown = path.join(work.dir, 'typo.yaml');
    writeFileSync(unknown, 'batchsize: 4\n');
    const t = segstudio('train', '--config', unknown, '--run', runDir, '--dataset', dataset);
    expect(t.status).toBe(1);
    expect(t.stderr).toContain('batchsize');
    expect(existsSync(runDir)).toBe(false);
  });
});
