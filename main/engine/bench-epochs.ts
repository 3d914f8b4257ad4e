/**
 * End-to-end training benchmark on a real split: whole epochs through the same Trainer the
 * worker uses (decode, augment, step; no validation), reporting per epoch the step rate, the
 * time spent waiting for data, resident memory and `tf.memory().numTensors`, so a data path
 * that cannot keep up with the step, or memory that grows across epochs, shows in one table.
 */
import type { TrainingConfigOverrides } from '../../shared/training/config';
import type { PresetName } from '../../shared/training/presets';
import type { DecodedSample, LoadOptions, SampleSource } from '../dataset/source';
import { AT_REQUESTED_SIZE, assertStepSize } from './bench';
import { Trainer } from './trainer';

export interface EpochBenchOptions {
  readonly preset: PresetName;
  readonly width: number;
  readonly height: number;
  readonly batch: number;
  readonly epochs: number;
  readonly train: SampleSource;
  /** Use only the first `limit` samples of the split (quick runs on a loaded machine). */
  readonly limit?: number;
  readonly config?: TrainingConfigOverrides;
  /** After every step (index within the run, 0-based) and at the end of every epoch. */
  readonly onStep?: (step: number, total: number) => void;
  readonly onEpoch?: (epoch: EpochBenchRow) => void;
}

export interface EpochBenchRow {
  readonly epoch: number;
  readonly steps: number;
  readonly seconds: number;
  readonly img_per_s: number;
  /** Median wall seconds of a step (data wait included). */
  readonly median_step_s: number;
  /** Share of the epoch's wall time spent waiting for the next batch. */
  readonly data_wait_fraction: number;
  readonly rss_mb: number;
  readonly num_tensors: number;
}

export interface EpochBenchResult {
  readonly preset: PresetName;
  readonly width: number;
  readonly height: number;
  readonly batch: number;
  readonly samples: number;
  /** Weights of the network trained (a config file's width or decoder changes it). */
  readonly parameters: number;
  readonly epochs: readonly EpochBenchRow[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The first `count` samples of a source. */
class FirstSamples implements SampleSource {
  readonly split: string;
  readonly classes: SampleSource['classes'];
  constructor(
    private readonly inner: SampleSource,
    readonly count: number,
  ) {
    this.split = inner.split;
    this.classes = inner.classes;
  }
  sampleId(index: number): string {
    return this.inner.sampleId(index);
  }
  imagePath(index: number): string {
    return this.inner.imagePath(index);
  }
  load(index: number, options?: LoadOptions): Promise<DecodedSample> {
    return this.inner.load(index, options);
  }
}

export async function benchmarkEpochs(opts: EpochBenchOptions): Promise<EpochBenchResult> {
  const train =
    opts.limit !== undefined && opts.limit < opts.train.count
      ? new FirstSamples(opts.train, opts.limit)
      : opts.train;
  const trainer = await Trainer.create(
    {
      ...opts.config,
      // Like the compute-only side (bench.ts): the epochs are timed at the size asked for.
      ...AT_REQUESTED_SIZE,
      preset: opts.preset,
      inputSize: { width: opts.width, height: opts.height },
      batchSize: opts.batch,
      epochs: opts.epochs,
    },
    { train },
  );
  const rows: EpochBenchRow[] = [];
  let parameters = 0;
  try {
    parameters = trainer.validationModel.countParams();
    const total = trainer.totalSteps;
    let times: number[] = [];
    let wait = 0;
    let started = performance.now();
    let done = 0;
    while (!trainer.finished) {
      const r = await trainer.step();
      assertStepSize(r, opts.width, opts.height);
      times.push(r.stepSeconds);
      wait += r.dataWaitSeconds;
      opts.onStep?.(done++, total);
      if (!r.epochEnded) continue;
      const seconds = (performance.now() - started) / 1000;
      const row: EpochBenchRow = {
        epoch: r.epoch,
        steps: times.length,
        seconds,
        img_per_s: (times.length * opts.batch) / seconds,
        median_step_s: median(times),
        data_wait_fraction: wait / seconds,
        rss_mb: process.memoryUsage().rss / 2 ** 20,
        num_tensors: trainer.tf.memory().numTensors,
      };
      rows.push(row);
      opts.onEpoch?.(row);
      times = [];
      wait = 0;
      started = performance.now();
    }
  } finally {
    trainer.dispose();
  }
  return {
    preset: opts.preset,
    width: opts.width,
    height: opts.height,
    batch: opts.batch,
    samples: train.count,
    parameters,
    epochs: rows,
  };
}
