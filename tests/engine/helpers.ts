import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainingConfigOverrides } from '../../shared/training/config';

export function tempRunDir(prefix = 'segstudio-engine-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

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

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
