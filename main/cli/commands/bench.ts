import { PresetName } from '../../../shared/training/config';
import { benchmarkTraining } from '../../engine/bench';
import { CliError, numberOption, stringOption, type CliCommand } from '../framework';
import { parseSize, warnIfFallback } from './export';

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'Time training steps on synthetic data (median step seconds, images/s, backend)',
  usage:
    'bench [--preset default|seed-alexnet-fcn] [--size WxH] [--batch B] [--classes C] [--steps N] [--warmup W] [--freeze] [--json]\n' +
    "  Defaults: the preset's size and batch, 12 classes, 10 timed steps after 2 warm-up steps.\n" +
    "  --freeze keeps the seed model's AlexNet features frozen (the seed's own workload).",
  options: {
    preset: { type: 'string' },
    size: { type: 'string' },
    batch: { type: 'string' },
    classes: { type: 'string' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    freeze: { type: 'boolean' },
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
      ...(values['freeze'] === true && { config: { freezeFeatures: true } }),
      onStep: (i, seconds) => bar.update(i + 1, `${seconds.toFixed(3)} s/step`),
    }).catch((err: Error) => {
      throw new CliError(`bench failed: ${err.message}`);
    });
    bar.finish();
    out.result({ ...result, frozen: values['freeze'] === true }, () =>
      [
        `preset ${result.preset} ${result.width}x${result.height} batch ${result.batch} classes ${result.classes} (${(result.parameters / 1e6).toFixed(2)} M params)`,
        `median step ${result.median_step_s.toFixed(3)} s   ${result.img_per_s.toFixed(1)} img/s   backend ${result.backend}${result.native ? '' : ' (pure JS fallback)'}`,
      ].join('\n'),
    );
    return 0;
  },
};
