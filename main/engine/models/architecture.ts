/**
 * Network layout identity (`{id: preset, version}`, the version from the preset registry) and
 * the check that saved weights fit the network this build makes for their preset.
 */
import type { PresetName } from '../../../shared/training/presets';
import type { LayersModel } from './common';
import { presetOf } from './registry';

export interface ArchitectureId {
  /** The preset name (the network family). */
  readonly id: string;
  readonly version: number;
}

export function architectureOf(preset: PresetName): ArchitectureId {
  return { id: preset, version: presetOf(preset).architectureVersion };
}

function describeArchitecture(a: ArchitectureId): string {
  return `${a.id} v${a.version}`;
}

export class ArchitectureMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchitectureMismatchError';
  }
}

/**
 * Checks that weights saved as `saved` (names + shapes, and the architecture recorded with
 * them, absent in files written before versions existed) fit `model` built for `preset`.
 * `where` names the checkpoint or model folder for the message.
 */
export function assertArchitecture(args: {
  readonly where: string;
  readonly preset: PresetName;
  readonly saved: ArchitectureId | undefined;
  readonly weights: readonly { readonly name: string; readonly shape: readonly number[] }[];
  readonly model: LayersModel;
}): void {
  const current = architectureOf(args.preset);
  const advice =
    'Start a new run (or continue it with the Seg Studio version that wrote it); ' +
    'exported models still predict with `segstudio predict`.';
  if (args.saved && (args.saved.id !== current.id || args.saved.version !== current.version)) {
    throw new ArchitectureMismatchError(
      `${args.where} holds a ${describeArchitecture(args.saved)} network; this version of Seg Studio builds ${describeArchitecture(current)}. ${advice}`,
    );
  }
  const expected = new Map(
    args.model.weights.map((w) => [w.originalName, w.shape.map((d) => d ?? -1).join('x')]),
  );
  const given = new Map(args.weights.map((w) => [w.name, w.shape.join('x')]));
  const unknown = [...given.keys()].filter((n) => !expected.has(n));
  const missing = [...expected.keys()].filter((n) => !given.has(n));
  const reshaped = [...given].filter(([n, s]) => expected.has(n) && expected.get(n) !== s);
  if (unknown.length === 0 && missing.length === 0 && reshaped.length === 0) return;
  const recorded = args.saved
    ? describeArchitecture(args.saved)
    : `an earlier ${current.id} layout (written before architecture versions were recorded)`;
  const detail = [
    unknown.length > 0 && `unknown weight ${unknown[0]}`,
    missing.length > 0 && `missing ${missing[0]}`,
    reshaped.length > 0 && `${reshaped[0]![0]} has shape ${reshaped[0]![1]}`,
  ]
    .filter(Boolean)
    .join(', ');
  throw new ArchitectureMismatchError(
    `${args.where} holds ${recorded}, which does not match the ${describeArchitecture(current)} network this version builds (${detail}). ${advice}`,
  );
}
