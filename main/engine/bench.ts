/**
 * Training-step benchmark on synthetic in-memory data (no decoding), for `segstudio bench`
 * and for sizing presets. Reports the median wall time of a full optimizer step.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { TrainingConfigOverrides } from '../../shared/training/config';
import type { PresetName } from '../../shared/training/presets';
import type { DecodedSample, LoadOptions, SampleSource } from '../dataset/source';
import { backendInfo, getTf } from '../native/backend';
import { Rng } from './rng';
import { Trainer } from './trainer';

/** What was benchmarked: asked for in the options, echoed in the result. */
interface BenchWorkload {
  readonly preset: PresetName;
  readonly width: number;
  readonly height: number;
  readonly batch: number;
  readonly classes: number;
  /** Timed steps (after `warmup` untimed ones). */
  readonly steps: number;
}

export interface BenchOptions extends BenchWorkload {
  readonly warmup?: number;
  readonly widthMultiplier?: number;
  /**
   * Whose step to time: `twin` (default) the PyTorch twin's, plain cross-entropy with no class
   * weights and no weight average, whatever the preset's recipe; `preset` the preset's own
   * recipe (its loss, class weights, weight average), as real training runs it.
   */
  readonly recipe?: 'twin' | 'preset';
  /** Extra config overrides (augmentation, ...), over the recipe. */
  readonly config?: TrainingConfigOverrides;
  readonly onStep?: (index: number, seconds: number) => void;
  /**
   * `train` (default) times optimizer steps; `inference` times forward passes of a batch
   * (training: false), logits left in the backend.
   */
  readonly mode?: 'train' | 'inference';
}

export interface BenchResult extends BenchWorkload {
  readonly median_step_s: number;
  readonly img_per_s: number;
  readonly backend: string;
  readonly native: boolean;
  readonly parameters: number;
  /**
   * Process CPU seconds per step (user + system). On a busy machine, cpu_s_per_step / cores
   * estimates the step time the machine would give this process alone.
   */
  readonly cpu_s_per_step: number;
  readonly mode: 'train' | 'inference';
  /** Trainable weights (what the optimizer updates); `parameters` adds BatchNorm statistics. */
  readonly trainable_parameters: number;
  /** The network's Layers topology (model.toJSON), for building a PyTorch twin. */
  readonly topology: unknown;
}

/** What the PyTorch twin trains (bench/reference/layers_twin.py): the network, nothing more. */
const TWIN_STEP: TrainingConfigOverrides = {
  classWeights: 'none',
  loss: { type: 'cross-entropy' },
  emaDecay: 0,
};

/**
 * Over every benchmark config: a step is timed at the size asked for. The preset's
 * low-resolution phase is a schedule of a run, not part of a step; left on, it would time the
 * first third of a long run, i.e. the network at half the size.
 */
export const AT_REQUESTED_SIZE: TrainingConfigOverrides = { lowResolutionPhase: null };

/** Throws unless a timed step trained at `width` x `height` (a guard on the harness itself). */
export function assertStepSize(
  step: { readonly inputSize: { readonly width: number; readonly height: number } },
  width: number,
  height: number,
): void {
  const { width: w, height: h } = step.inputSize;
  if (w !== width || h !== height) {
    throw new Error(`benchmark step trained at ${w}x${h}, not the requested ${width}x${height}`);
  }
}

class RandomSource implements SampleSource {
  readonly split = 'bench';
  readonly classes;
  private readonly samples: DecodedSample[];

  constructor(
    readonly count: number,
    width: number,
    height: number,
    numClasses: number,
  ) {
    this.classes = Array.from({ length: numClasses }, (_, i) => ({
      index: i,
      datasetId: i,
      name: `class_${i}`,
      color: [i, i, i] as const,
    }));
    const rng = Rng.fromSeed(1);
    this.samples = Array.from({ length: count }, (_, k) => {
      const image = new Uint8Array(width * height * 3);
      const label = new Uint8Array(width * height);
      for (let i = 0; i < image.length; i++) image[i] = rng.int(256);
      for (let i = 0; i < label.length; i++) label[i] = rng.int(numClasses);
      return { id: `bench_${k}`, width, height, image, label };
    });
  }

  sampleId(index: number): string {
    return `bench_${index}`;
  }
  imagePath(index: number): string {
    return `/bench/${index}.png`;
  }
  async load(index: number, _options?: LoadOptions): Promise<DecodedSample> {
    return this.samples[index % this.count]!;
  }
}

export async function benchmarkTraining(opts: BenchOptions): Promise<BenchResult> {
  const warmup = opts.warmup ?? 2;
  const source = new RandomSource(opts.batch, opts.width, opts.height, opts.classes);
  const trainer = await Trainer.create(
    {
      ...(opts.recipe !== 'preset' && TWIN_STEP),
      ...opts.config,
      ...AT_REQUESTED_SIZE,
      preset: opts.preset,
      inputSize: { width: opts.width, height: opts.height },
      batchSize: opts.batch,
      epochs: 100_000,
      ...(opts.widthMultiplier !== undefined && { widthMultiplier: opts.widthMultiplier }),
    },
    { train: source },
  );
  try {
    const times: number[] = [];
    let cpuStart: NodeJS.CpuUsage | null = null;
    const mode = opts.mode ?? 'train';
    const tf = trainer.tf;
    const input =
      mode === 'inference' ? tf.randomNormal([opts.batch, opts.height, opts.width, 3]) : null;
    // Native eager ops run synchronously, so the logits are computed when apply returns; like
    // the PyTorch twin, the timing leaves out copying them to JS.
    const forward = (): number => {
      const started = performance.now();
      tf.tidy(() => trainer.model.apply(input!, { training: false }) as tfjs.Tensor).dispose();
      return (performance.now() - started) / 1000;
    };
    for (let i = 0; i < warmup + opts.steps; i++) {
      if (i === warmup) cpuStart = process.cpuUsage();
      let seconds: number;
      if (input) seconds = forward();
      else {
        const step = await trainer.step();
        assertStepSize(step, opts.width, opts.height);
        seconds = step.stepSeconds;
      }
      if (i >= warmup) {
        times.push(seconds);
        opts.onStep?.(i - warmup, seconds);
      }
    }
    input?.dispose();
    const cpu = process.cpuUsage(cpuStart ?? undefined);
    const cpuPerStep = (cpu.user + cpu.system) / 1e6 / Math.max(1, opts.steps);
    times.sort((a, b) => a - b);
    const mid = Math.floor(times.length / 2);
    const median = times.length % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
    const info = backendInfo();
    return {
      preset: opts.preset,
      width: opts.width,
      height: opts.height,
      batch: opts.batch,
      classes: opts.classes,
      steps: opts.steps,
      median_step_s: median,
      img_per_s: opts.batch / median,
      backend: info.backend,
      native: info.native,
      parameters: trainer.model.countParams(),
      cpu_s_per_step: cpuPerStep,
      mode,
      trainable_parameters: trainer.model.trainableWeights.reduce(
        (n, w) => n + w.shape.reduce<number>((a, d) => a * (d ?? 1), 1),
        0,
      ),
      topology: trainer.model.toJSON(null, false),
    };
  } finally {
    trainer.dispose();
    void getTf();
  }
}
