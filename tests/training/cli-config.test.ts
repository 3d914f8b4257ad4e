/**
 * `segstudio train --config FILE` on a real CamVid copy: a YAML config trains with its values,
 * flags override the file, a run's run.json is accepted as it is, and a bad field is named. A
 * partial file (`--dry-run` shows the config) changes only the fields it gives: the rest is
 * exactly what `segstudio train` uses without it (preset defaults, the dataset's input size,
 * time-budget planning), and nested sections merge field by field.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import type { TrainingConfig } from '../../shared/training/config';
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
    // run.json holds the whole resolved config: what --dry-run shows for the same command.
    expect(config).toEqual(dryRun('--config', yaml, '--epochs', '2', '--val', 'none'));
    expect(config.schedule.type).toBe('poly'); // the preset's, not the schema's constant LR
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

  /** The config `segstudio train --dataset DATASET ARGS` would train with (--dry-run). */
  function dryRun(...args: string[]): TrainingConfig {
    const runDir = path.join(work.dir, 'dry');
    const command = ['train', '--dataset', dataset, '--run', runDir, '--dry-run', '--json'];
    const r = segstudio(...command, ...args);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(runDir)).toBe(false);
    return lastJsonLine<{ config: TrainingConfig }>(r.stdout).config;
  }

  function configFile(name: string, body: unknown): string {
    const file = path.join(work.dir, name);
    writeFileSync(file, JSON.stringify(body));
    return file;
  }

  it('a partial file changes only its fields: the rest is what train uses without it', () => {
    const plain = dryRun();
    // The dataset's 480x360 frames and the default preset's recipe, not the schema's 240x240.
    expect(plain.inputSize).toEqual({ width: 480, height: 360 });
    expect(plain.widthMultiplier).toBe(1.5);
    const partial = dryRun('--config', configFile('width.json', { widthMultiplier: 1 }));
    expect(partial).toEqual({ ...plain, widthMultiplier: 1 });
    // An empty YAML file is no override at all.
    const empty = path.join(work.dir, 'empty.yaml');
    writeFileSync(empty, '');
    expect(dryRun('--config', empty)).toEqual(plain);
  });

  it('nested sections merge field by field, and a budget in the file plans like --time-budget', () => {
    const plain = dryRun();
    const nested = configFile('nested.json', {
      augmentation: { flip: false, colorJitter: { contrast: 0 } },
      optimizer: { lr: 0.0005 },
      inputSize: { width: 320 },
    });
    expect(dryRun('--config', nested)).toEqual({
      ...plain,
      augmentation: {
        ...plain.augmentation,
        flip: false,
        colorJitter: { ...plain.augmentation.colorJitter, contrast: 0 },
      },
      optimizer: { ...plain.optimizer, lr: 0.0005 },
      inputSize: { width: 320, height: 360 },
    });
    const budget = dryRun('--config', configFile('budget.json', { timeBudgetSeconds: 600 }));
    expect(budget).toEqual(dryRun('--time-budget', '10m'));
    expect(budget.epochs).toBe(100_000);
    // Epochs the file gives bound the budget, as --epochs does.
    const bounded = configFile('bounded.json', { timeBudgetSeconds: 600, epochs: 7 });
    expect(dryRun('--config', bounded).epochs).toBe(7);
  });

  it('an unknown field, at any depth, is an error naming the file and the field', () => {
    const runDir = path.join(work.dir, 'never-either');
    const cases: [string, unknown, string][] = [
      ['top.json', { widthMultiplier: 1, emaDecy: 0.99 }, 'unknown field emaDecy'],
      ['deep.json', { augmentation: { flipp: false } }, 'unknown field augmentation.flipp'],
      [
        'deeper.json',
        { augmentation: { colorJitter: { hue: 0.1 } } },
        'unknown field augmentation.colorJitter.hue',
      ],
    ];
    for (const [name, body, says] of cases) {
      const file = configFile(name, body);
      const r = segstudio(
        'train',
        '--config',
        file,
        '--run',
        runDir,
        '--dataset',
        dataset,
        '--json',
      );
      expect(r.status).toBe(1);
      const { error } = lastJsonLine<{ error: { message: string; code: string; file: string } }>(
        r.stdout,
      );
      expect(error).toMatchObject({ code: 'invalid-config', file });
      expect(error.message).toContain(`--config ${file}: ${says}`);
    }
    expect(existsSync(runDir)).toBe(false);
  });
});
