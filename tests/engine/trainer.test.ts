import { afterAll, describe, expect, it } from 'vitest';
import { backendInfo, getTf } from '../../main/native/backend';
import { NonFiniteLossError, Trainer } from '../../main/engine/trainer';
import { SyntheticSource } from './synthetic-source';
import { smallDefaultConfig } from './helpers';
import { tempDir } from '../support/folders';
import { maxAbsDiff } from '../support/weights';

const tf = getTf();
// On the pure-JS fallback (no native libtensorflow) everything is 10-50x slower: the
// exact-resume checks still run (with a long timeout); the learning curves are skipped.
const FALLBACK = !backendInfo().native;
const TIMEOUT = FALLBACK ? 900_000 : 120_000;
const runs: (() => void)[] = [];
afterAll(() => runs.forEach((c) => c()));

async function weightsOf(t: Trainer): Promise<Map<string, Float32Array>> {
  return new Map((await t.getWeights()).map((w) => [w.name, w.data]));
}

type StepResult = Awaited<ReturnType<Trainer['step']>>;

/** Steps `t` to its last epoch; the mean loss of each epoch. `onEpoch` runs at each epoch end. */
async function trainToEnd(
  t: Trainer,
  onEpoch: (last: StepResult) => Promise<void> = async () => undefined,
): Promise<number[]> {
  const epochLoss: number[] = [];
  let sum = 0;
  let n = 0;
  while (!t.finished) {
    const r = await t.step();
    sum += r.loss;
    n++;
    if (r.epochEnded) {
      await onEpoch(r);
      epochLoss.push(sum / n);
      sum = 0;
      n = 0;
    }
  }
  return epochLoss;
}

const CASES = [
  {
    name: 'default preset, 64x64, augmentation + class weights',
    config: smallDefaultConfig({ epochs: 3 }),
    source: () => new SyntheticSource(16),
    // 16 samples / batch 4 = 4 steps per epoch: 10 steps cross two epoch boundaries and the
    // split at 5 is mid-epoch (epoch 1, step 1) with a prefetched batch pending at save time.
    steps: 10,
    split: 5,
  },
  {
    name: 'seed-alexnet-fcn, 96x96, frozen features',
    config: {
      preset: 'seed-alexnet-fcn' as const,
      inputSize: { width: 96, height: 96 },
      batchSize: 2,
      epochs: 2,
      freezeFeatures: true,
      augmentation: { scale: [0.9, 1.2] as [number, number], flip: true },
      seed: 11,
    },
    source: () => new SyntheticSource(6, 96),
    steps: 5,
    split: 2,
  },
];

describe('Trainer: exact resume', () => {
  it.each(CASES)(
    '$name: N steps straight == split + checkpoint + resume + rest',
    async (c) => {
      const straight = await Trainer.create(c.config, { train: c.source() });
      const lossesA: number[] = [];
      for (let i = 0; i < c.steps; i++) lossesA.push((await straight.step()).loss);
      const wA = await weightsOf(straight);
      const slotsA = await straight.getState();
      straight.dispose();

      const { dir, cleanup } = tempDir('engine');
      runs.push(cleanup);
      const first = await Trainer.create(c.config, { train: c.source() });
      const lossesB: number[] = [];
      for (let i = 0; i < c.split; i++) lossesB.push((await first.step()).loss);
      await first.saveCheckpoint(dir, 'pause');
      first.dispose();

      const resumed = await Trainer.resume(dir, { train: c.source() });
      expect(resumed.resumedFrom).toBe('last');
      expect(resumed.globalStep).toBe(c.split);
      for (let i = c.split; i < c.steps; i++) lossesB.push((await resumed.step()).loss);
      const wB = await weightsOf(resumed);
      const slotsB = await resumed.getState();
      resumed.dispose();

      expect(lossesB).toEqual(lossesA);
      expect([...wB.keys()]).toEqual([...wA.keys()]);
      let worst = 0;
      for (const [name, a] of wA) worst = Math.max(worst, maxAbsDiff(a, wB.get(name)!));
      expect(worst).toBeLessThanOrEqual(1e-5);
      let worstSlot = 0;
      slotsA.optimizer.forEach((s, i) => {
        worstSlot = Math.max(worstSlot, maxAbsDiff(s.data, slotsB.optimizer[i]!.data));
      });
      expect(worstSlot).toBeLessThanOrEqual(1e-5);
      expect(slotsB.state.optimizer.iterations).toBe(c.steps);
      expect(slotsB.state.epoch).toBe(slotsA.state.epoch);
      expect(slotsB.state.stepInEpoch).toBe(slotsA.state.stepInEpoch);
      expect(slotsB.state.data.order).toEqual(slotsA.state.data.order);
      console.log(`exact resume (${c.name}): max |dw| = ${worst}, max |d slot| = ${worstSlot}`);
    },
    TIMEOUT,
  );
});

describe.skipIf(FALLBACK)('Trainer: learning and memory', () => {
  it('default preset: loss falls and numTensors is stable across epochs', async () => {
    const memRun = tempDir('engine');
    runs.push(memRun.cleanup);
    const t = await Trainer.create(smallDefaultConfig({ epochs: 6 }), {
      train: new SyntheticSource(16),
    });
    const tensorsAfterEpoch: number[] = [];
    const epochLoss = await trainToEnd(t, async (r) => {
      // Checkpoints (and their tensor reads) must not leak either.
      await t.saveCheckpoint(memRun.dir, 'epoch', { metric: -r.loss });
      tensorsAfterEpoch.push(tf.memory().numTensors);
    });
    t.dispose();
    console.log('default epoch losses', epochLoss.map((l) => l.toFixed(3)).join(' '));
    expect(epochLoss).toHaveLength(6);
    expect(tensorsAfterEpoch[0]).toBe(tensorsAfterEpoch[2]);
    expect(tensorsAfterEpoch[0]).toBe(tensorsAfterEpoch[5]);
    expect(epochLoss[5]!).toBeLessThan(epochLoss[0]! * 0.7);
  });

  it('seed-alexnet-fcn preset (96x96, batch 2): loss falls', async () => {
    const t = await Trainer.create(
      {
        preset: 'seed-alexnet-fcn',
        inputSize: { width: 96, height: 96 },
        batchSize: 2,
        epochs: 6,
        optimizer: { lr: 1e-3 },
        seed: 3,
      },
      { train: new SyntheticSource(8, 96) },
    );
    const epochLoss = await trainToEnd(t);
    t.dispose();
    console.log('alexnet epoch losses', epochLoss.map((l) => l.toFixed(3)).join(' '));
    expect(epochLoss[5]!).toBeLessThan(epochLoss[0]! * 0.85);
  });
});

describe('Trainer: divergence guard', () => {
  it('throws NonFiniteLossError and leaves weights and counters untouched', async () => {
    const t = await Trainer.create(smallDefaultConfig({ batchSize: 2 }), {
      train: new SyntheticSource(4),
    });
    await t.step();
    const before = await weightsOf(t);
    // Poison the classifier bias: every logit becomes NaN.
    const bias = t.model.weights.find((w) => w.originalName === 'classifier/bias')!;
    const saved = bias.read().clone();
    bias.write(tf.fill(bias.shape as number[], NaN));
    await expect(t.step()).rejects.toThrow(NonFiniteLossError);
    expect(t.globalStep).toBe(1);
    expect(t.optimizerIterations).toBe(1);
    bias.write(saved);
    saved.dispose();
    const after = await weightsOf(t);
    for (const [name, a] of before) {
      if (name.includes('moving_')) continue; // BatchNorm statistics see the forward pass
      expect(maxAbsDiff(a, after.get(name)!)).toBe(0);
    }
    t.dispose();
  });
});
