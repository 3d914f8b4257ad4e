/**
 * The names of the model presets: the one list the contracts, the config schema, the CLI and
 * the engine's preset registry (`main/engine/models/registry.ts`) all derive from. Adding a name
 * here makes the registry fail to compile until the preset has its entry there.
 */
import { z } from 'zod';

export const PRESET_NAMES = ['default', 'seed-alexnet-fcn'] as const;
export const PresetName = z.enum(PRESET_NAMES);
export type PresetName = z.infer<typeof PresetName>;
