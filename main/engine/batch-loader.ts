/**
 * The training data path between a SampleSource and the Trainer: decoded samples are kept in
 * memory (each file is decoded and resized once per process, within a byte budget), and the
 * next `depth` batches are assembled ahead of the step that needs them. Every random choice is
 * still a pure function of (seed, epoch, position), so neither the cache nor the prefetch depth
 * can change the data stream: a resumed run sees the same batches.
 *
 * A run reads each sample once per process: a mask edited while a run trains is used from the
 * next start or resume of the run.
 */
import type { TrainingConfig } from '../../shared/training/config';
import type { DecodedSample, LoadOptions, SampleSource } from '../dataset/source';
import {
  allocBatch,
  augmentInto,
  batchIndices,
  drawAugment,
  loadSizeFor,
  type BatchArrays,
} from './data';

export interface BatchPosition {
  readonly epoch: number;
  readonly stepInEpoch: number;
}

/** The batch position after `pos` in a run of `stepsPerEpoch` steps per epoch. */
export function nextPosition(pos: BatchPosition, stepsPerEpoch: number): BatchPosition {
  return pos.stepInEpoch + 1 < stepsPerEpoch
    ? { epoch: pos.epoch, stepInEpoch: pos.stepInEpoch + 1 }
    : { epoch: pos.epoch + 1, stepInEpoch: 0 };
}

/** Up to `depth` positions from `pos` on that lie before epoch `epochs`, with their order. */
export function upcomingPositions(
  pos: BatchPosition,
  depth: number,
  stepsPerEpoch: number,
  epochs: number,
  orderFor: (epoch: number) => readonly number[],
): { pos: BatchPosition; order: readonly number[] }[] {
  const out: { pos: BatchPosition; order: readonly number[] }[] = [];
  for (let p = pos; out.length < depth && p.epoch < epochs;) {
    out.push({ pos: p, order: orderFor(p.epoch) });
    p = nextPosition(p, stepsPerEpoch);
  }
  return out;
}

/** Default memory budget of the decoded-sample cache (SEGSTUDIO_SAMPLE_CACHE_MB overrides). */
export const DEFAULT_SAMPLE_CACHE_MB = 1024;

function cacheBudgetBytes(): number {
  const raw = process.env['SEGSTUDIO_SAMPLE_CACHE_MB'];
  const mb = raw === undefined ? DEFAULT_SAMPLE_CACHE_MB : Number(raw);
  return Number.isFinite(mb) && mb >= 0 ? mb * 2 ** 20 : DEFAULT_SAMPLE_CACHE_MB * 2 ** 20;
}

/**
 * A SampleSource that remembers what it decoded, up to `budgetBytes` (later samples are decoded
 * on every load). A failed load is not remembered, so its error surfaces again next time.
 */
export class CachedSampleSource implements SampleSource {
  readonly split: string;
  readonly count: number;
  readonly classes: SampleSource['classes'];
  private readonly entries = new Map<string, Promise<DecodedSample>>();
  private bytes = 0;

  constructor(
    private readonly inner: SampleSource,
    private readonly budgetBytes = cacheBudgetBytes(),
  ) {
    this.split = inner.split;
    this.count = inner.count;
    this.classes = inner.classes;
  }

  sampleId(index: number): string {
    return this.inner.sampleId(index);
  }

  imagePath(index: number): string {
    return this.inner.imagePath(index);
  }

  load(index: number, options: LoadOptions = {}): Promise<DecodedSample> {
    const size = options.resize;
    const key = size ? `${index}@${size.width}x${size.height}` : `${index}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const promise = this.inner.load(index, options);
    if (this.bytes >= this.budgetBytes) return promise;
    this.entries.set(key, promise);
    promise.then(
      (s) => {
        this.bytes += s.image.byteLength + s.label.byteLength;
      },
      () => this.entries.delete(key),
    );
    return promise;
  }
}

/** Assembles augmented batches, keeping up to `depth` future batches in flight. */
export class BatchLoader {
  private readonly source: SampleSource;
  private readonly pending = new Map<string, Promise<BatchArrays>>();

  constructor(
    source: SampleSource,
    private readonly config: TrainingConfig,
    private readonly classWeights: readonly number[] | null,
    private readonly numClasses: number,
    readonly depth = 2,
  ) {
    // A loader made by `withConfig` shares the cache it is given.
    this.source = source instanceof CachedSampleSource ? source : new CachedSampleSource(source);
  }

  /** A loader of batches for `config` (e.g. the low-resolution phase) over the same cache. */
  withConfig(config: TrainingConfig): BatchLoader {
    return new BatchLoader(this.source, config, this.classWeights, this.numClasses, this.depth);
  }

  /** The batch at `pos` (prefetched if it was asked for ahead, else loaded now). */
  take(pos: BatchPosition, order: readonly number[]): Promise<BatchArrays> {
    const key = `${pos.epoch}:${pos.stepInEpoch}`;
    const hit = this.pending.get(key);
    this.pending.delete(key);
    return hit ?? this.load(pos, order);
  }

  /** Starts loading these upcoming batches (already pending ones are kept); drops others. */
  prefetch(upcoming: readonly { pos: BatchPosition; order: readonly number[] }[]): void {
    const wanted = new Set(upcoming.map(({ pos }) => `${pos.epoch}:${pos.stepInEpoch}`));
    for (const key of this.pending.keys()) if (!wanted.has(key)) this.pending.delete(key);
    for (const { pos, order } of upcoming) {
      const key = `${pos.epoch}:${pos.stepInEpoch}`;
      if (this.pending.has(key)) continue;
      const promise = this.load(pos, order);
      // Errors surface when the batch is taken; never as an unhandled rejection.
      promise.catch(() => undefined);
      this.pending.set(key, promise);
    }
  }

  /** Forgets prefetched batches (after a restore moved the position). */
  clear(): void {
    this.pending.clear();
  }

  private async load(pos: BatchPosition, order: readonly number[]): Promise<BatchArrays> {
    const cfg = this.config;
    const { indices, positions } = batchIndices(order, pos.stepInEpoch, cfg.batchSize);
    const resize = loadSizeFor(cfg.inputSize, cfg.augmentation);
    const samples = await Promise.all(indices.map((i) => this.source.load(i, { resize })));
    const out = allocBatch(cfg.batchSize, cfg.inputSize.width, cfg.inputSize.height);
    samples.forEach((sample, k) => {
      const params = drawAugment(cfg.seed, pos.epoch, positions[k]!, cfg.augmentation);
      augmentInto(
        sample,
        params,
        cfg.inputSize,
        cfg.normalization,
        this.classWeights,
        this.numClasses,
        out,
        k,
      );
    });
    return out;
  }
}
