/**
 * Per-class loss weights from the train split's class frequencies: counted once when a run
 * starts (then stored in its checkpoints, so a resume never recounts), logged, and multiplied
 * into each pixel's loss weight by the batch loader.
 */
import type { TrainingConfig } from '../../shared/training/config';
import type { SampleSource } from '../dataset/source';

/** Pixel counts per class (void excluded) over up to `limit` samples, loaded at `size`. */
async function classPixelCounts(
  source: SampleSource,
  size: { readonly width: number; readonly height: number },
  limit = Infinity,
): Promise<number[]> {
  const n = source.classes.length;
  const counts = new Array<number>(n).fill(0);
  const total = Math.min(source.count, limit);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const s = await source.load(next++, { resize: size });
      for (const l of s.label) if (l < n) counts[l]! += 1;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return counts;
}

/**
 * Raw weights of each class from its pixel share p, normalised so the pixel-weighted mean
 * weight is 1 and clipped to [0.05, 20] relative to that. Classes with no pixels get weight 1.
 */
function normalisedWeights(counts: readonly number[], raw: (p: number) => number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return counts.map(() => 1);
  const w = counts.map((c) => (c > 0 ? raw(c / total) : 0));
  const mean = counts.reduce((acc, c, i) => acc + (c / total) * w[i]!, 0);
  return w.map((x, i) => (counts[i]! > 0 ? Math.min(20, Math.max(0.05, x / mean)) : 1));
}

/** 1 / sqrt(p), normalised (see `normalisedWeights`). */
export function inverseSqrtFrequencyWeights(counts: readonly number[]): number[] {
  return normalisedWeights(counts, (p) => 1 / Math.sqrt(p));
}

/**
 * ENet's 1 / ln(1.02 + p), normalised: bounded (at most 1/ln 1.02 ~ 50x the weight of a class
 * covering everything), so rare classes weigh more without one tiny class dominating.
 */
export function enetFrequencyWeights(counts: readonly number[]): number[] {
  return normalisedWeights(counts, (p) => 1 / Math.log(1.02 + p));
}

const SCHEMES = {
  'inverse-sqrt-frequency': {
    label: 'inverse sqrt frequency',
    weights: inverseSqrtFrequencyWeights,
  },
  'enet-frequency': { label: 'ENet 1/ln(1.02 + p)', weights: enetFrequencyWeights },
} as const;

/**
 * The per-class loss weights a new run trains with: `given` (e.g. restored from a checkpoint)
 * when set, else the config's explicit list, else the config's frequency scheme counted on up
 * to `sampleLimit` train samples (logged), else none.
 */
export async function resolveClassWeights(
  config: TrainingConfig,
  train: SampleSource,
  opts: {
    readonly given?: readonly number[];
    readonly sampleLimit: number;
    readonly log: (message: string) => void;
  },
): Promise<readonly number[] | null> {
  if (opts.given) return [...opts.given];
  if (Array.isArray(config.classWeights)) return [...config.classWeights];
  if (config.classWeights === 'none') return null;
  const scheme = SCHEMES[config.classWeights];
  const counts = await classPixelCounts(train, config.inputSize, opts.sampleLimit);
  const weights = scheme.weights(counts);
  opts.log(`class weights (${scheme.label}): ${weights.map((w) => w.toFixed(3)).join(', ')}`);
  return weights;
}
