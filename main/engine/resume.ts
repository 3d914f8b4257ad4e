/**
 * Which checkpoint a Trainer resumes from (`ResumeOptions`), and the check that a checkpoint's
 * state fits the trainer about to take it over (same model, same data-order scheme), so a
 * mismatch is refused with the checkpoint's name before any weight is overwritten.
 */
import type { TrainingConfig } from '../../shared/training/config';
import type { TrainerState } from '../../shared/training/state';
import type { SampleSource } from '../dataset/source';
import {
  checkpointDir,
  loadLatestCheckpoint,
  readCheckpoint,
  type CheckpointPayload,
  type CheckpointSlot,
  type LoadedCheckpoint,
} from './checkpoint';
import { RNG_SCHEME } from './data';
import type { LayersModel } from './models';
import { assertArchitecture } from './models/architecture';

export interface ResumeOptions {
  readonly train: SampleSource;
  /** Resume from this slot when intact (default: the newest intact checkpoint). */
  readonly from?: CheckpointSlot;
  /**
   * With `from` = `best` or `previous`: that slot or an error, never a fallback to another one
   * (the user asked for it). `last` always falls back past a damaged slot.
   */
  readonly exact?: boolean;
  /**
   * What may change between sessions, applied to the checkpoint's config before the trainer is
   * built (e.g. a new learning rate or epoch count); the model must stay the same.
   */
  readonly adjustConfig?: (saved: TrainingConfig) => TrainingConfig;
  readonly log?: (message: string) => void;
  /** Receives the notes on every checkpoint skipped, and why (default: each goes to `log`). */
  readonly onFallback?: (messages: readonly string[]) => void;
}

/** The checkpoint a resumed Trainer was restored from. */
export type ResumedCheckpoint = Pick<LoadedCheckpoint, 'source' | 'dir' | 'manifest' | 'messages'>;

/** The checkpoint `opts` asks for (see `ResumeOptions.from` and `exact`). */
export async function loadForResume(
  runDir: string,
  opts: ResumeOptions,
): Promise<LoadedCheckpoint> {
  const from = opts.from;
  if (opts.exact && from && from !== 'last') {
    const dir = checkpointDir(runDir, from);
    return { ...(await readCheckpoint(dir)), source: from, dir, messages: [] };
  }
  return loadLatestCheckpoint(runDir, from ? { prefer: from } : {});
}

/**
 * Throws, naming `where`, unless `state` was written for the same preset, input size, width and
 * class count as `target`, its weights fit `target.model`'s layout and its data order uses
 * this engine's RNG scheme.
 */
export function assertStateFits(
  state: TrainerState,
  payload: CheckpointPayload,
  target: {
    readonly config: TrainingConfig;
    readonly numClasses: number;
    readonly model: LayersModel;
    readonly where: string;
  },
): void {
  const a = state.config;
  const b = target.config;
  if (
    a.preset !== b.preset ||
    a.inputSize.width !== b.inputSize.width ||
    a.inputSize.height !== b.inputSize.height ||
    a.widthMultiplier !== b.widthMultiplier ||
    a.decoderStride !== b.decoderStride ||
    state.numClasses !== target.numClasses
  ) {
    throw new Error(`${target.where} was written for a different model (preset/size/classes)`);
  }
  assertArchitecture({
    where: target.where,
    preset: b.preset,
    saved: state.architecture,
    weights: payload.model,
    model: target.model,
  });
  if (state.data.rngScheme !== RNG_SCHEME) {
    throw new Error(`checkpoint uses RNG scheme ${state.data.rngScheme}, engine has ${RNG_SCHEME}`);
  }
}
