/**
 * The benchmarks time what they say: a step at the size asked for. The `default` preset trains
 * the first third of a run at half size (`lowResolutionPhase`); a benchmark is not a run, so its
 * steps must never land in that phase (they did once, and target 2's table timed half-size
 * steps against PyTorch's full-size ones).
 */
import { describe, expect, it } from 'vitest';
import { assertStepSize, benchmarkTraining } from '../../main/engine/bench';
import { benchmarkEpochs } from '../../main/engine/bench-epochs';
import { presetOf } from '../../main/engine/models/registry';
import { backendInfo } from '../../main/native/backend';
import { SyntheticSource } from './synthetic-source';

const TIMEOUT = backendInfo().native ? 120_000 : 900_000;

describe('benchmarks time steps at the requested size', () => {
  it('the default preset has a low-resolution phase (what the benchmarks must leave out)', () => {
    expect(presetOf('default').defaults.lowResolutionPhase).not.toBeNull();
  });

  it('assertStepSize refuses a step taken at another size', () => {
    expect(() => assertStepSize({ inputSize: { width: 32, height: 24 } }, 64, 48)).toThrow(
      /trained at 32x24, not the requested 64x48/,
    );
    expect(() => assertStepSize({ inputSize: { width: 64, height: 48 } }, 64, 48)).not.toThrow();
  });

  it(
    'segstudio bench: every timed step of the default preset trains at full size',
    async () => {
      const seen: number[] = [];
      const result = await benchmarkTraining({
        preset: 'default',
        width: 64,
        height: 48,
        batch: 2,
        classes: 4,
        steps: 3,
        warmup: 0,
        recipe: 'preset',
        onStep: (i) => seen.push(i),
      });
      expect(seen).toEqual([0, 1, 2]);
      expect([result.width, result.height]).toEqual([64, 48]);
    },
    TIMEOUT,
  );

  it(
    'bench --dataset: the epochs of the default preset train at full size from the first step',
    async () => {
      const result = await benchmarkEpochs({
        preset: 'default',
        width: 64,
        height: 48,
        batch: 4,
        epochs: 3,
        train: new SyntheticSource(8, 64),
      });
      expect(result.epochs.map((e) => e.steps)).toEqual([2, 2, 2]);
    },
    TIMEOUT,
  );
});
