/**
 * Full training configs: a preset's defaults (from the preset registry) with the caller's
 * overrides deep-merged onto them, validated by the shared `TrainingConfig` schema.
 */
import { TrainingConfig, type TrainingConfigOverrides } from '../../shared/training/config';
import { PresetName } from '../../shared/training/presets';
import { presetOf } from './models/registry';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(base[key], value);
  return out;
}

/**
 * Full config from a preset name (`default` when absent) plus layers of overrides, each
 * deep-merged onto the ones before it (objects merge field by field; arrays and scalars
 * replace; an undefined value leaves the field as it was). The preset is the last layer's
 * that names one. Throws a ZodError on invalid input, including a preset name that does not
 * exist.
 */
export function makeTrainingConfig(...layers: TrainingConfigOverrides[]): TrainingConfig {
  let named: unknown = 'default';
  for (const layer of layers) if (layer.preset !== undefined) named = layer.preset;
  const preset = PresetName.parse(named);
  const merged = layers.reduce<unknown>(deepMerge, presetOf(preset).defaults);
  return TrainingConfig.parse(merged);
}
