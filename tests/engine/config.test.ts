import { describe, expect, it } from 'vitest';
import { makeTrainingConfig } from '../../main/engine/config';
import { PRESET_REGISTRY } from '../../main/engine/models/registry';
import { TrainingConfig } from '../../shared/training/config';
import { learningRateAt, stepsPerEpoch } from '../../shared/training/schedule';
import { batchIndices, drawAugment, epochOrder } from '../../main/engine/data';
import { enetFrequencyWeights, inverseSqrtFrequencyWeights } from '../../main/engine/class-weights';
import { Rng } from '../../main/engine/rng';

describe('TrainingConfig', () => {
  it('fills defaults and is JSON round-trippable', () => {
    const c = TrainingConfig.parse({});
    expect(c.checkpointEveryMinutes).toBe(10);
    expect(c.optimizer.type).toBe('adam');
    expect(TrainingConfig.parse(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  it('presets: seed-alexnet-fcn is 240x240 batch 16 Adam 1e-4', () => {
    const s = makeTrainingConfig({ preset: 'seed-alexnet-fcn' });
    expect(s.inputSize).toEqual({ width: 240, height: 240 });
    expect(s.batchSize).toBe(16);
    expect(s.optimizer.lr).toBe(1e-4);
    expect(s).toEqual(PRESET_REGISTRY['seed-alexnet-fcn'].defaults);
  });

  it('deep-merges overrides onto the preset; arrays replace', () => {
    const c = makeTrainingConfig({ optimizer: { lr: 5e-4 }, augmentation: { scale: [1, 2] } });
    expect(c.preset).toBe('default');
    expect(c.optimizer.lr).toBe(5e-4);
    expect(c.optimizer.weightDecay).toBe(PRESET_REGISTRY.default.defaults.optimizer.weightDecay);
    expect(c.augmentation.scale).toEqual([1, 2]);
    expect(c.augmentation.flip).toBe(true);
  });

  it('rejects invalid values', () => {
    expect(() => makeTrainingConfig({ batchSize: 0 })).toThrow();
    expect(() => makeTrainingConfig({ augmentation: { scale: [2, 1] } })).toThrow();
  });
});

describe('LR schedule', () => {
  const base = { type: 'constant' as const, warmupSteps: 0, power: 0.9, minLr: 0 };
  it('constant, warmup, poly, cosine', () => {
    expect(learningRateAt(1, base, 50, 100)).toBe(1);
    const warm = { ...base, warmupSteps: 10 };
    expect(learningRateAt(1, warm, 0, 100)).toBeCloseTo(0.1);
    expect(learningRateAt(1, warm, 9, 100)).toBeCloseTo(1);
    const poly = { ...base, type: 'poly' as const, power: 1, minLr: 0 };
    expect(learningRateAt(1, poly, 50, 100)).toBeCloseTo(0.5);
    expect(learningRateAt(1, poly, 100, 100)).toBe(0);
    const cos = { ...base, type: 'cosine' as const, minLr: 0.1 };
    expect(learningRateAt(1, cos, 0, 100)).toBeCloseTo(1);
    expect(learningRateAt(1, cos, 50, 100)).toBeCloseTo(0.55);
    expect(learningRateAt(1, cos, 100, 100)).toBeCloseTo(0.1);
  });
  it('steps per epoch', () => {
    expect(stepsPerEpoch(10, 4)).toBe(2);
    expect(stepsPerEpoch(3, 4)).toBe(1);
  });
});

describe('Rng and data order', () => {
  it('is deterministic and its state round-trips', () => {
    const a = Rng.fromSeed(5);
    a.next();
    const b = Rng.fromState(a.getState());
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Rng.derive(1, 'x', 2).next()).toBe(Rng.derive(1, 'x', 2).next());
    expect(Rng.derive(1, 'x', 2).next()).not.toBe(Rng.derive(1, 'x', 3).next());
  });
  it('shuffles per epoch and wraps small sets', () => {
    const o0 = epochOrder(1, 0, 10);
    expect([...o0].sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
    expect(epochOrder(1, 1, 10)).not.toEqual(o0);
    expect(batchIndices([2, 0, 1], 0, 4).indices).toEqual([2, 0, 1, 2]);
  });
  it('augmentation draws are a pure function of (seed, epoch, position)', () => {
    const aug = {
      scale: [0.5, 2] as [number, number],
      flip: true,
      colorJitter: { brightness: 0.2, contrast: 0, saturation: 0 },
    };
    expect(drawAugment(1, 2, 3, aug)).toEqual(drawAugment(1, 2, 3, aug));
    const p = drawAugment(1, 2, 3, aug);
    expect(p.scale).toBeGreaterThanOrEqual(0.5);
    expect(p.scale).toBeLessThanOrEqual(2);
    expect(p.contrast).toBe(1);
  });
  it('inverse-sqrt-frequency weights: rarer classes weigh more, mean weight 1', () => {
    const w = inverseSqrtFrequencyWeights([900, 100, 0]);
    expect(w[1]!).toBeGreaterThan(w[0]!);
    expect(w[2]).toBe(1);
    expect(0.9 * w[0]! + 0.1 * w[1]!).toBeCloseTo(1);
  });
  it('ENet weights 1/ln(1.02 + p): rarer classes weigh more, mean weight 1', () => {
    const w = enetFrequencyWeights([600, 300, 100, 0]);
    expect(w[1]!).toBeGreaterThan(w[0]!);
    expect(w[2]!).toBeGreaterThan(w[1]!);
    expect(w[3]).toBe(1);
    expect(0.6 * w[0]! + 0.3 * w[1]! + 0.1 * w[2]!).toBeCloseTo(1);
    expect(w[2]! / w[0]!).toBeCloseTo(Math.log(1.02 + 0.6) / Math.log(1.02 + 0.1), 6);
  });
});
