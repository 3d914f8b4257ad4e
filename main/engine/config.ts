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
 * Full config from a preset name (`default` when absent) plus overrides (deep-merged; arrays
 * replace). Throws a ZodError on invalid input, including a preset name that does not exist.
 */
export function makeTrainingConfig(overrides: TrainingConfigOverrides = {}): TrainingConfig {
  const preset = PresetName.parse(overrides.preset ?? 'default');
  return TrainingConfig.parse(deepMerge(presetOf(preset).defaults, overrides));
}
