import type { TrainingConfigOverrides } from '../../shared/training/config';

/** Small, fast default-preset config for tests (64x64, batch 4, augmentation on). */
export function smallDefaultConfig(extra: TrainingConfigOverrides = {}): TrainingConfigOverrides {
  return {
    preset: 'default',
    inputSize: { width: 64, height: 64 },
    batchSize: 4,
    epochs: 5,
    optimizer: { lr: 3e-3, weightDecay: 1e-4 },
    schedule: { type: 'poly', warmupSteps: 2, power: 0.9, minLr: 1e-5 },
    augmentation: {
      scale: [0.8, 1.25],
      flip: true,
      colorJitter: { brightness: 0.1, contrast: 0.1, saturation: 0.1 },
    },
    classWeights: 'inverse-sqrt-frequency',
    widthMultiplier: 0.5,
    seed: 7,
    ...extra,
  };
}
