import { afterAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { backendInfo, getTf } from '../../main/native/backend';
import { TrainingConfig } from '../../shared/training/config';
import { makeTrainingConfig } from '../../main/engine/config';
import { lowResolutionConfig } from '../../main/engine/low-resolution';
import { buildModel } from '../../main/engine/models';
import { Trainer } from '../../main/engine/trainer';
import { SyntheticSource } from './synthetic-source';
import { smallDefaultConfig } from './helpers';
import { tempDir } from '../support/folders';
import { maxAbsDiff } from '../support/weights';

const tf = getTf();
const TIMEOUT = backendInfo().native ? 120_000 : 900_000;
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

// 16 samples / batch 4 = 4 steps per epoch, 2 epochs: the phase holds steps 1-4 of 8.
const CONFIG = smallDefaultConfig({
  epochs: 2,
  emaDecay: 0.9,
  lowResolutionPhase: { fraction: 0.5, scale: 0.5 },
});

function inputSizeOf(model: tfjs.LayersModel): string {
  const shape = model.inputs[0]!.shape;
  return `${shape[2]}x${shape[1]}`;
}

describe('low-resolution phase', () => {
  it('trains at scale x the input size with crops of the same share of each image', () => {
    const config = makeTrainingConfig(CONFIG);
    const small = lowResolutionConfig(config)!;
    expect(small.inputSize).toEqual({ width: 32, height: 32 });
    expect(small.augmentation.scale).toEqual([0.8, 2.5]);
    expect(small.lowResolutionPhase).toBeNull();
    expect(lowResolutionConfig({ ...config, lowResolutionPhase: null })).toBeNull();
    // Off in the schema, so run.json files written before the field existed keep their
    // meaning; on in the default preset.
    expect(TrainingConfig.parse({}).lowResolutionPhase).toBeNull();
    expect(makeTrainingConfig({ preset: 'default' }).lowResolutionPhase).toEqual({
      fraction: 1 / 3,
      scale: 0.5,
    });
  });

  it(
    'steps at low resolution update the run weights, then switch for good at the fraction',
    async () => {
      const t = await Trainer.create(CONFIG, { train: new SyntheticSource(16) });
      const sizes: string[] = [];
      const validated: string[] = [];
      const tensors: number[] = [];
      let before = (await t.getWeights()).map((w) => w.data);
      let changedInPhase = true;
      while (!t.finished) {
        const r = await t.step();
        sizes.push(`${r.inputSize.width}x${r.inputSize.height}`);
        validated.push(inputSizeOf(t.validationModel));
        tensors.push(tf.memory().numTensors);
        const after = (await t.getWeights()).map((w) => w.data);
        if (r.inputSize.width === 32) {
          // Every trainable kernel of the full model moved: the copy shares its variables.
          const moved = after.filter((a, i) => maxAbsDiff(a, before[i]!) > 0).length;
          changedInPhase &&= moved > after.length / 2;
        }
        before = after;
      }
      expect(sizes).toEqual([...Array(4).fill('32x32'), ...Array(4).fill('64x64')]);
      // Validation at the end of epoch 1 (step 4) is still the phase's; after that, full size.
      expect(validated).toEqual([...Array(4).fill('32x32'), ...Array(4).fill('64x64')]);
      expect(changedInPhase).toBe(true);
      // The copy owns no tensors: the count is the same before and after the switch.
      expect(new Set(tensors).size).toBe(1);
      t.dispose();
    },
    TIMEOUT,
  );

  it(
    'the low-resolution network predicts exactly what a copy with the same weights does',
    async () => {
      const t = await Trainer.create(CONFIG, { train: new SyntheticSource(16) });
      for (let i = 0; i < 2; i++) await t.step();
      const small = lowResolutionConfig(t.config)!;
      const fresh = buildModel(tf, small, t.numClasses).model;
      fresh.setWeights(t.model.getWeights());
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3);
      const a = t.validationModel.predict(x) as tfjs.Tensor;
      const b = fresh.predict(x) as tfjs.Tensor;
      const diff = maxAbsDiff(a.dataSync() as Float32Array, b.dataSync() as Float32Array);
      tf.dispose([x, a, b]);
      fresh.dispose();
      t.dispose();
      expect(diff).toBeLessThanOrEqual(1e-5);
    },
    TIMEOUT,
  );

  it(
    'resumes exactly across the switch: 3 steps + checkpoint + resume + 5 == 8 straight',
    async () => {
      const straight = await Trainer.create(CONFIG, { train: new SyntheticSource(16) });
      const lossesA: number[] = [];
      while (!straight.finished) lossesA.push((await straight.step()).loss);
      const wA = (await straight.getWeights()).map((w) => w.data);
      straight.dispose();

      const { dir, cleanup } = tempDir('low-resolution');
      cleanups.push(cleanup);
      const first = await Trainer.create(CONFIG, { train: new SyntheticSource(16) });
      const lossesB: number[] = [];
      for (let i = 0; i < 3; i++) lossesB.push((await first.step()).loss);
      await first.saveCheckpoint(dir, 'pause');
      first.dispose();
      const resumed = await Trainer.resume(dir, { train: new SyntheticSource(16) });
      while (!resumed.finished) lossesB.push((await resumed.step()).loss);
      const wB = (await resumed.getWeights()).map((w) => w.data);
      resumed.dispose();

      expect(lossesB).toEqual(lossesA);
      const worst = Math.max(...wA.map((a, i) => maxAbsDiff(a, wB[i]!)));
      expect(worst).toBeLessThanOrEqual(1e-5);
    },
    TIMEOUT,
  );
});
