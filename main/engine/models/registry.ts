/**
 * The preset registry: one entry per name in `PRESET_NAMES` (shared/training/presets.ts), each
 * the `PresetDefinition` its model file exports (builder, initialiser, frozen prefix,
 * architecture version, description, default config). `satisfies` makes a missing or extra
 * entry a compile error; `presetOf` is the one lookup, and it refuses names it does not know.
 * Adding a preset: see main/engine/README.md ("Adding a preset").
 */
import { PRESET_NAMES, type PresetName } from '../../../shared/training/presets';
import { seedAlexnetFcnPreset } from './alexnet-fcn';
import { defaultPreset } from './default-net';
import type { PresetDefinition } from './preset';

export type { PresetDefinition } from './preset';

const REGISTRY = {
  default: defaultPreset,
  'seed-alexnet-fcn': seedAlexnetFcnPreset,
} satisfies Record<PresetName, PresetDefinition>;

export const PRESET_REGISTRY: Readonly<Record<PresetName, PresetDefinition>> = REGISTRY;

export class UnknownPresetError extends Error {
  constructor(readonly preset: string) {
    super(`Unknown preset "${preset}": the presets are ${PRESET_NAMES.join(', ')}`);
    this.name = 'UnknownPresetError';
  }
}

/**
 * The definition of preset `name`. Throws `UnknownPresetError` for a name the registry does
 * not hold (a typo, or a run written by a build with more presets): never falls back.
 */
export function presetOf(name: string): PresetDefinition {
  if (!Object.hasOwn(PRESET_REGISTRY, name)) throw new UnknownPresetError(name);
  return PRESET_REGISTRY[name as PresetName];
}
