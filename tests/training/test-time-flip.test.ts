/**
 * `testTimeFlip` end to end: a run that sets it validates with the flip (its metrics.jsonl
 * mIoU is what `eval --resolution model --flip on` gives on its `best`), and `eval` of the run
 * flips by default. The flip itself is checked against a JS reference in tests/eval.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunFile } from '../../main/training/run-folder';
import { lastJsonLine, runSegstudio } from '../support/cli';
import { miniCamvidRuns, trainArgs } from './helpers';

const segstudio = (...args: string[]) => runSegstudio(args, {}, 120_000);

describe('testTimeFlip', () => {
  const fx = miniCamvidRuns('flip-runs', { train: 4, val: 3 });

  it("is what the run's validation and its default evaluation use", async () => {
    const runDir = path.join(fx.runs, 'flip');
    const config = path.join(fx.runs, 'flip.json');
    await writeFile(config, JSON.stringify({ testTimeFlip: true }));
    const common = ['--size', '64x48', '--batch', '2', '--epochs', '2', '--seed', '3'];
    const train = segstudio(...trainArgs(fx, runDir), ...common, '--config', config, '--json');
    expect(train.status, train.stderr).toBe(0);
    expect((await readRunFile(runDir)).config.testTimeFlip).toBe(true);
    const epochs = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { epoch: number; mIoU: number });
    const best = Math.max(...epochs.map((e) => e.mIoU));

    const evalOf = (...args: string[]) => {
      const run = segstudio('eval', runDir, '--resolution', 'model', ...args, '--json');
      expect(run.status, run.stderr).toBe(0);
      return lastJsonLine<{ flip: boolean; mIoU: number; confusion: number[][] }>(run.stdout);
    };
    const byDefault = evalOf();
    expect(byDefault.flip).toBe(true);
    expect(byDefault.mIoU).toBeCloseTo(best, 10);
    // --resolution model scores at one size, whatever the run's testTimeScales.
    expect((byDefault as unknown as { scales: number[] }).scales).toEqual([1]);
    const plain = evalOf('--flip', 'off');
    expect(plain.flip).toBe(false);
    expect(plain.confusion).not.toEqual(byDefault.confusion);
  }, 300_000);
});
