import { writeFileSync } from 'node:fs';
import { PresetName } from '../../../shared/training/presets';
import type { TrainingConfigOverrides } from '../../../shared/training/config';
import { openDataset } from '../../dataset/open';
import { benchmarkTraining, type BenchResult } from '../../engine/bench';
import { makeTrainingConfig } from '../../engine/config';
import { benchmarkEpochs, type EpochBenchRow } from '../../engine/bench-epochs';
import { CliError, numberOption, stringOption, type CliCommand } from '../framework';
import { warnIfFallback } from '../fallback-warning';
import { parseSize } from '../options';
import { checkedConfig, readTrainConfigFile } from '../train-config';

function benchTable(r: Omit<BenchResult, 'topology'> & { frozen: boolean }): string[] {
  const rows: [string, string][] = [
    ['preset', `${r.preset}${r.frozen ? ' (features frozen)' : ''}`],
    ['mode', r.mode],
    ['input', `${r.width}x${r.height}, batch ${r.batch}, ${r.classes} classes`],
    ['parameters', `${(r.parameters / 1e6).toFixed(2)} M`],
    ['timed steps', String(r.steps)],
    [r.mode === 'train' ? 'median step' : 'median batch', `${r.median_step_s.toFixed(3)} s`],
    ['images/s', r.img_per_s.toFixed(1)],
    ['CPU s/step', r.cpu_s_per_step.toFixed(3)],
    ['backend', `${r.backend}${r.native ? '' : ' (pure JS fallback)'}`],
  ];
  return rows.map(([k, v]) => `${k.padEnd(12)} ${v}`);
}

function epochLine(r: EpochBenchRow): string {
  return `epoch ${r.epoch + 1}: ${r.steps} steps in ${r.seconds.toFixed(1)} s, ${r.img_per_s.toFixed(2)} img/s, median step ${r.median_step_s.toFixed(3)} s, data wait ${(100 * r.data_wait_fraction).toFixed(1)}%, RSS ${r.rss_mb.toFixed(0)} MB, numTensors ${r.num_tensors}`;
}

async function benchEpochs(
  out: Parameters<CliCommand['run']>[0]['out'],
  opts: {
    preset: PresetName;
    width: number;
    height: number;
    batch: number;
    epochs: number;
    datasetDir: string;
    config: TrainingConfigOverrides;
    configFile: string | null;
    limit?: number;
  },
): Promise<number> {
  const index = await openDataset(opts.datasetDir).catch((err: Error) => {
    throw new CliError(`Cannot open the dataset ${opts.datasetDir}: ${err.message}`);
  });
  if (!('train' in index.splits) || index.source('train').count === 0) {
    throw new CliError(`${opts.datasetDir} has no usable train split`);
  }
  const train = index.source('train');
  const used = Math.min(train.count, opts.limit ?? train.count);
  out.info(
    `bench ${opts.preset} ${opts.width}x${opts.height} batch ${opts.batch}: ${opts.epochs} epochs on ${used} of ${train.count} train samples of ${opts.datasetDir}`,
  );
  let bar: ReturnType<typeof out.progress> | null = null;
  const result = await benchmarkEpochs({
    ...opts,
    train,
    onStep: (i, total) => {
      bar ??= out.progress('bench', total, 'step');
      bar.update(i + 1);
    },
  }).catch((err: Error) => {
    throw new CliError(`bench failed: ${err.message}`);
  });
  (bar as ReturnType<typeof out.progress> | null)?.finish();
  for (const row of result.epochs) out.info(epochLine(row));
  const value = { ...result, config_file: opts.configFile };
  out.result(value, () => JSON.stringify(value));
  return 0;
}

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'Time training steps on synthetic data (median step seconds, images/s, backend)',
  notes: [
    "Defaults: the preset's size and batch, 12 classes, 10 timed steps after 2 warm-up steps.",
    "--freeze keeps the seed model's AlexNet features frozen (the seed's own workload).",
    "A step is the PyTorch twin's: plain cross-entropy, no class weights, no weight average;",
    "--recipe times the preset's own training recipe; --config FILE times the step of a",
    'config file (its loss, class weights, emaDecay, width ...; --preset, --size and --batch',
    'win over the file).',
    '--inference times forward passes of a batch (no gradients) instead of optimizer steps.',
    "--topology FILE writes the network's Layers topology (JSON) there, for the PyTorch twin.",
    '--dataset DIR [--epochs E] trains E whole epochs (default 2) on its train split instead',
    "(decode, augment, step; no validation) with the preset's recipe and --config's fields",
    'over it, and prints per epoch img/s, data wait, RSS and tf.memory().numTensors;',
    '--limit N uses only its first N samples.',
    'Prints a table, then one JSON line (stdout) with median_step_s, img_per_s, backend.',
  ],
  options: {
    preset: {
      type: 'string',
      value: 'default|seed-alexnet-fcn',
      description: 'network preset to time',
      default: 'default',
    },
    size: { type: 'string', value: 'WxH', description: 'input size', default: "the preset's size" },
    batch: {
      type: 'string',
      value: 'B',
      description: 'images per step',
      default: "the preset's batch",
    },
    classes: { type: 'string', value: 'C', description: 'number of output classes', default: '12' },
    steps: { type: 'string', value: 'N', description: 'timed steps', default: '10' },
    warmup: {
      type: 'string',
      value: 'W',
      description: 'untimed warm-up steps first',
      default: '2',
    },
    recipe: {
      type: 'boolean',
      description:
        "time the preset's own recipe (its loss, class weights, weight average) instead of the twin's step",
      default: 'off',
    },
    config: {
      type: 'string',
      value: 'FILE',
      description: 'time the step of these TrainingConfig fields (JSON or YAML, as train --config)',
    },
    freeze: {
      type: 'boolean',
      description: "keep the seed model's AlexNet features frozen (the seed's own workload)",
      default: 'off',
    },
    inference: {
      type: 'boolean',
      description: 'time forward passes of a batch (no gradients) instead of optimizer steps',
      default: 'off',
    },
    topology: {
      type: 'string',
      value: 'FILE',
      description: "write the network's Layers topology (JSON) there, for the PyTorch twin",
    },
    dataset: {
      type: 'string',
      value: 'DIR',
      description:
        "time whole training epochs on this dataset's train split instead of synthetic steps",
    },
    epochs: { type: 'string', value: 'E', description: 'epochs with --dataset', default: '2' },
    limit: {
      type: 'string',
      value: 'N',
      description: 'with --dataset, use only its first N samples',
      default: 'all',
    },
  },
  async run({ values, out }) {
    const presetRaw = stringOption(values, 'preset') ?? 'default';
    const preset = PresetName.safeParse(presetRaw);
    if (!preset.success) {
      throw new CliError(
        `--preset must be one of ${PresetName.options.join(', ')}, got "${presetRaw}"`,
        2,
      );
    }
    const defaults =
      preset.data === 'seed-alexnet-fcn' ? { size: 240, batch: 16 } : { size: 240, batch: 8 };
    const size = parseSize(stringOption(values, 'size')) ?? {
      width: defaults.size,
      height: defaults.size,
    };
    const batch = numberOption(values, 'batch', { integer: true, min: 1 }) ?? defaults.batch;
    const classes = numberOption(values, 'classes', { integer: true, min: 2 }) ?? 12;
    const steps = numberOption(values, 'steps', { integer: true, min: 1 }) ?? 10;
    const warmup = numberOption(values, 'warmup', { integer: true, min: 0 }) ?? 2;
    warnIfFallback(out);
    // Read before either mode: whole epochs (--dataset) time a config file's step too.
    const configPath = stringOption(values, 'config');
    const configFile = configPath ? await readTrainConfigFile(configPath) : null;
    if (configFile) {
      checkedConfig(configFile, () =>
        makeTrainingConfig({ preset: preset.data }, configFile.overrides),
      );
    }
    const config = {
      ...configFile?.overrides,
      ...(values['freeze'] === true && { freezeFeatures: true }),
    };
    const datasetDir = stringOption(values, 'dataset');
    if (datasetDir) {
      const epochs = numberOption(values, 'epochs', { integer: true, min: 1 }) ?? 2;
      const limit = numberOption(values, 'limit', { integer: true, min: 1 });
      return benchEpochs(out, {
        preset: preset.data,
        ...size,
        batch,
        epochs,
        datasetDir,
        config,
        configFile: configFile?.path ?? null,
        ...(limit !== undefined && { limit }),
      });
    }
    out.info(
      `bench ${preset.data} ${size.width}x${size.height} batch ${batch}, ${classes} classes, ${warmup} warm-up + ${steps} timed steps`,
    );
    const bar = out.progress('bench', steps, 'step');
    const result = await benchmarkTraining({
      preset: preset.data,
      ...size,
      batch,
      classes,
      steps,
      warmup,
      recipe: values['recipe'] === true ? 'preset' : 'twin',
      config,
      mode: values['inference'] === true ? 'inference' : 'train',
      onStep: (i, seconds) => bar.update(i + 1, `${seconds.toFixed(3)} s/step`),
    }).catch((err: Error) => {
      throw new CliError(`bench failed: ${err.message}`);
    });
    bar.finish();
    const { topology, ...rest } = result;
    const topologyPath = stringOption(values, 'topology');
    if (topologyPath) writeFileSync(topologyPath, `${JSON.stringify(topology)}\n`);
    const value = {
      ...rest,
      frozen: values['freeze'] === true,
      recipe: values['recipe'] === true,
      config_file: configFile?.path ?? null,
    };
    // Benchmarks print a table and a final JSON line (stdout) in both modes; with --json the
    // table goes to stderr like all human output.
    for (const line of benchTable(value)) out.info(line);
    out.result(value, () => JSON.stringify(value));
    return 0;
  },
};
