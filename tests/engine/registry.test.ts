import { describe, expect, it } from 'vitest';
import type { TrainingConfig } from '../../shared/training/config';
import { PRESET_NAMES } from '../../shared/training/presets';
import { makeTrainingConfig } from '../../main/engine/config';
import { buildModel } from '../../main/engine/models';
import { architectureOf } from '../../main/engine/models/architecture';
import { PRESET_REGISTRY, UnknownPresetError, presetOf } from '../../main/engine/models/registry';
import { getTf } from '../../main/native/backend';

describe('preset registry', () => {
  it('holds exactly the shared preset names, each entry describing itself', () => {
    expect(Object.keys(PRESET_REGISTRY).sort()).toEqual([...PRESET_NAMES].sort());
    for (const name of PRESET_NAMES) {
      const entry = presetOf(name);
      expect(entry.name).toBe(name);
      expect(entry.defaults.preset).toBe(name);
      expect(entry.description.length).toBeGreaterThan(10);
      expect(architectureOf(name)).toEqual({ id: name, version: entry.architectureVersion });
    }
  });

  it('buildModel throws on an unknown preset name instead of building `default`', () => {
    const config = {
      ...makeTrainingConfig({ inputSize: { width: 64, height: 64 } }),
      preset: 'unet-typo',
    } as unknown as TrainingConfig;
    expect(() => buildModel(getTf(), config, 3)).toThrow(UnknownPresetError);
    expect(() => buildModel(getTf(), config, 3)).toThrow(
      'Unknown preset "unet-typo": the presets are default, seed-alexnet-fcn',
    );
    // Names inherited from Object.prototype are not presets either.
    expect(() => presetOf('constructor')).toThrow('Unknown preset "constructor"');
  });
});
