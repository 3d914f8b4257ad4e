/**
 * EMA of the weights (`emaDecay`) on real tfjs: the checkpoint's model is the average of the
 * training weights step by step, validation sees it and then gets the training weights back
 * unchanged, a resume continues the average exactly, and no tensor leaks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { backendInfo, getTf } from '../../main/native/backend';
import { Trainer } from '../../main/engine/trainer';
import { namedWeights } from '../../main/engine/models/common';
import { SyntheticSource } from './synthetic-source';
import { smallDefaultConfig } from './helpers';
import { tempDir } from '../support/folders';
import { maxAbsDiff, maxWeightDiff } from '../support/weights';

const tf = getTf();
const TIMEOUT = backendInfo().native ? 120_000 : 900_000;
const DECAY = 0.8;
const config = smallDefaultConfig({ epochs: 3, emaDecay: DECAY });
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

describe('Trainer with emaDecay', () => {
  it(
    'checkpoints the moving average of the training weights; validation sees it, training keeps its own',
    async () => {
      const t = await Trainer.create(config, { train: new SyntheticSource(16) });
      // Reference average in float64 from the training weights after every step.
      let ref = new Map((await t.getWeights()).map((w) => [w.name, Float64Array.from(w.data)]));
      const tensors: number[] = [];
      for (let n = 0; n < 6; n++) {
        await t.step();
        const d = Math.min(DECAY, (1 + n) / (10 + n));
        const raw = await t.getWeights();
        ref = new Map(
          raw.map((w) => [w.name, ref.get(w.name)!.map((a, i) => d * a + (1 - d) * w.data[i]!)]),
        );
        tensors.push(tf.memory().numTensors);
      }
      const raw = await t.getWeights();
      const { model, optimizer } = await t.getState();
      let worst = 0;
      for (const w of model) worst = Math.max(worst, maxAbsDiff(w.data, ref.get(w.name)!));
      expect(worst).toBeLessThan(1e-5);
      // The average is not the training weights (the test would pass without an EMA otherwise).
      expect(maxWeightDiff(model, raw)).toBeGreaterThan(1e-3);
      // The training weights travel with the optimizer's entries.
      const raws = optimizer
        .filter((o) => o.name.endsWith('/raw'))
        .map((o) => ({ ...o, name: o.name.slice(0, -'/raw'.length) }));
      expect(maxWeightDiff(raws, raw)).toBe(0);

      const seen = await t.withEvalWeights(() => Promise.resolve(namedWeights(t.model)));
      expect(maxWeightDiff(seen, model)).toBe(0);
      expect(maxWeightDiff(await t.getWeights(), raw)).toBe(0);
      expect(tensors.every((n) => n === tensors[0])).toBe(true);
      expect(tf.memory().numTensors).toBe(tensors[0]);
      t.dispose();
    },
    TIMEOUT,
  );

  it(
    'a resume continues the training weights and the average bit-exactly',
    async () => {
      const straight = await Trainer.create(config, { train: new SyntheticSource(16) });
      for (let i = 0; i < 7; i++) await straight.step();
      const a = await straight.getState();
      straight.dispose();

      const { dir, cleanup } = tempDir('ema');
      cleanups.push(cleanup);
      const first = await Trainer.create(config, { train: new SyntheticSource(16) });
      for (let i = 0; i < 3; i++) await first.step();
      await first.saveCheckpoint(dir, 'pause');
      first.dispose();
      const resumed = await Trainer.resume(dir, { train: new SyntheticSource(16) });
      for (let i = 3; i < 7; i++) await resumed.step();
      const b = await resumed.getState();
      resumed.dispose();

      expect(maxWeightDiff(b.model, a.model)).toBeLessThanOrEqual(1e-6);
      expect(maxWeightDiff(b.optimizer, a.optimizer)).toBeLessThanOrEqual(1e-6);
    },
    TIMEOUT,
  );

  it(
    'starting weights (a fine-tune, --init) are the average from step 0, not the random init',
    async () => {
      const donor = await Trainer.create(smallDefaultConfig({ seed: 99 }), {
        train: new SyntheticSource(16),
      });
      await donor.step();
      const initialWeights = await donor.getWeights();
      donor.dispose();
      const t = await Trainer.create(config, { train: new SyntheticSource(16), initialWeights });
      expect(maxWeightDiff((await t.getState()).model, initialWeights)).toBe(0);
      // One update from there: d * start + (1 - d) * trained, with d = min(DECAY, 1 / 10).
      await t.step();
      const raw = await t.getWeights();
      const start = new Map(initialWeights.map((w) => [w.name, w.data]));
      const expected = raw.map((w) => ({
        ...w,
        data: w.data.map((v, i) => 0.1 * start.get(w.name)![i]! + 0.9 * v),
      }));
      expect(maxWeightDiff((await t.getState()).model, expected)).toBeLessThanOrEqual(1e-6);
      t.dispose();
    },
    TIMEOUT,
  );
});
