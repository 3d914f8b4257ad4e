import { describe, expect, it } from 'vitest';
import { makeTrainingConfig } from '../../main/engine/config';
import { BudgetClock } from '../../main/engine/time-budget';
import { configFromRequest, presetDefaults } from '../../main/training/request';
import { TrainRequest } from '../../shared/contracts/training';
import {
  aspectDistortion,
  aspectWarning,
  datasetInputSize,
  typicalImageSize,
} from '../../shared/training/input-size';
import { learningRateAt, learningRateAtProgress } from '../../shared/training/schedule';
import { LrScheduleConfig } from '../../shared/training/config';
import { formatDuration, parseDuration } from '../../shared/training/time-budget';

describe('durations', () => {
  it('parses 60m, 1h30m, 90s and refuses anything else', () => {
    expect(parseDuration('60m')).toBe(3600);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('1h')).toBe(3600);
    for (const bad of ['', '0s', '60', 'm', '1.5h', '30m1h', 'soon']) {
      expect(parseDuration(bad)).toBeNull();
    }
    expect(formatDuration(5400)).toBe('1h30m');
  });
});

describe('dataset-derived input size', () => {
  const rule = { pixelBudget: 480 * 360, multiple: 8 };
  it('keeps CamVid at its native 480x360 and scales larger images to the aspect', () => {
    expect(datasetInputSize({ width: 480, height: 360 }, rule)).toEqual({
      width: 480,
      height: 360,
    });
    const city = datasetInputSize({ width: 2048, height: 1024 }, rule);
    expect(city.width % 8).toBe(0);
    expect(city.height % 8).toBe(0);
    expect(city.width * city.height).toBeLessThanOrEqual(rule.pixelBudget);
    expect(aspectDistortion({ width: 2048, height: 1024 }, city)).toBeLessThan(0.03);
  });

  it('warns above 10% aspect distortion only', () => {
    const camvid = { width: 480, height: 360 };
    expect(aspectDistortion(camvid, { width: 240, height: 240 })).toBeCloseTo(1 / 3, 5);
    expect(aspectWarning(camvid, { width: 240, height: 240 })).toMatch(/distorts .* by 33%/);
    expect(aspectWarning(camvid, { width: 320, height: 256 })).toBeNull(); // 6.7%
    expect(aspectWarning(camvid, { width: 480, height: 360 })).toBeNull();
  });

  it('takes the most common image size and feeds the default preset and the form', () => {
    const sizes = [
      { width: 480, height: 360 },
      { width: 640, height: 480 },
      { width: 480, height: 360 },
    ];
    expect(typicalImageSize(sizes)).toEqual({ width: 480, height: 360 });
    expect(typicalImageSize([])).toBeNull();
    const image = { width: 480, height: 360 };
    const request = TrainRequest.parse({ runName: 'r' });
    expect(configFromRequest(request, image).inputSize).toEqual(image);
    expect(presetDefaults('default', image)).toMatchObject({ width: 480, height: 360 });
    // An explicit size wins; the seed preset keeps its 240x240.
    const sized = TrainRequest.parse({ runName: 'r', width: 320, height: 240 });
    expect(configFromRequest(sized, image).inputSize).toEqual({ width: 320, height: 240 });
    expect(presetDefaults('seed-alexnet-fcn', image)).toMatchObject({ width: 240, height: 240 });
  });
});

describe('time budget planning', () => {
  it('a budget request has no epoch bound unless given one', () => {
    const c = configFromRequest(TrainRequest.parse({ runName: 'r', timeBudgetSeconds: 3600 }));
    expect(c.timeBudgetSeconds).toBe(3600);
    expect(c.epochs).toBe(100_000);
    const bounded = TrainRequest.parse({ runName: 'r', timeBudgetSeconds: 60, epochs: 5 });
    expect(configFromRequest(bounded).epochs).toBe(5);
    expect(configFromRequest(TrainRequest.parse({ runName: 'r' })).timeBudgetSeconds).toBeNull();
  });

  it('the schedule on progress equals the step schedule at the same fraction', () => {
    const s = LrScheduleConfig.parse({ type: 'poly', warmupSteps: 10, power: 0.9, minLr: 1e-5 });
    expect(learningRateAtProgress(1e-3, s, 55, 0.5)).toBeCloseTo(
      learningRateAt(1e-3, s, 55, 100),
      12,
    );
    expect(learningRateAtProgress(1e-3, s, 5, 0.9)).toBeCloseTo(
      learningRateAt(1e-3, s, 5, 100),
      12,
    );
    expect(learningRateAtProgress(1e-3, s, 500, 1)).toBeCloseTo(1e-5, 12);
  });

  it('re-plans from the measured rate, keeps back the validation, ends at the budget', () => {
    let now = 0;
    const clock = new BudgetClock(100, () => now);
    clock.stepStarted();
    now += 5_000; // a slow first step is left out of the rate
    clock.stepEnded(5);
    expect(clock.plannedSteps(1, 10, 1e6)).toBe(11);
    for (let i = 0; i < 9; i++) {
      now += 1_000;
      clock.stepEnded(1);
    }
    clock.validationEnded(10); // 10 s per validation, one per 10 steps
    // 14 s spent, 90 s of training time: 76 s left at 1 s + 1 s of validation per step.
    expect(clock.elapsedSeconds()).toBeCloseTo(14, 9);
    expect(clock.plannedSteps(10, 10, 1e6)).toBe(10 + 38);
    expect(clock.progress()).toBeCloseTo(14 / 90, 9);
    expect(clock.shouldEnd()).toBe(false);
    now += 75_600;
    expect(clock.shouldEnd()).toBe(true);
    expect(clock.plannedSteps(60, 10, 1e6)).toBe(60);
    // The spent time survives a restore; time between sessions (paused) is not counted.
    const again = new BudgetClock(100, () => now + 3_600_000);
    again.restore({ ...clock.state(), ended: false });
    expect(again.elapsedSeconds()).toBeCloseTo(89.6, 6);
  });
  it('with a validation share, plans validations at that share of the time, not one per epoch', () => {
    const run = (share: number | null) => {
      let now = 0;
      const clock = new BudgetClock(100, () => now, share);
      for (let i = 0; i < 10; i++) {
        clock.stepStarted();
        now += 1_000;
        clock.stepEnded(1);
      }
      clock.validationEnded(10);
      return clock.plannedSteps(10, 10, 1e6);
    };
    // 10 s spent, 90 s of training time: 80 s left.
    expect(run(null)).toBe(10 + 40); // 1 s step + 1 s of validation per step
    expect(run(0.2)).toBe(10 + 64); // 1 s step + 0.25 s: validation is 20% of the time
    expect(run(0.9)).toBe(10 + 40); // the share allows more than one per epoch: still one per epoch
  });
  it('the default preset bounds validation at 10% of the run; the seed preset validates every epoch', () => {
    expect(makeTrainingConfig({ preset: 'default' }).validationShare).toBe(0.1);
    expect(makeTrainingConfig({ preset: 'seed-alexnet-fcn' }).validationShare).toBeNull();
    expect(configFromRequest(TrainRequest.parse({ runName: 'r' })).validationShare).toBe(0.1);
  });
});
