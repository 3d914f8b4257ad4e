import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { NormalizationConfig } from '../../../shared/training/config';
import { evaluateModel, type EvalResolution, type EvalResult } from '../../engine/evaluate';
import { checkClassesMatch } from '../../engine/export-fields';
import { backendInfo, getTf } from '../../native/backend';
import {
  CliError,
  singlePositional,
  numberOption,
  stringOption,
  type CliCommand,
} from '../framework';
import { writeFileAtomic } from '../../fs/atomic';
import { evalCsv } from '../../engine/eval-csv';
import { openDatasetOrFail, withModelSource, type ModelSource } from '../model-source';
import { modelsAtScales, scalesOf, type ScaledModel } from '../../engine/test-time';
import { MODEL_SOURCE_OPTIONS } from '../options';

function pct(v: number | null): string {
  return v === null ? '   n/a' : `${(v * 100).toFixed(1).padStart(5)}%`;
}

function humanReport(r: EvalResult, label: string): string {
  const lines = [
    `${label} on split "${r.split}" (${r.perImage.length} images)`,
    `mIoU ${pct(r.mIoU)}   pixel accuracy ${pct(r.pixelAccuracy)}   mean class accuracy ${pct(r.meanClassAccuracy)}`,
    '',
    '  id  class                 IoU   accuracy',
  ];
  for (const c of r.perClass) {
    const note = c.reason ? `  (${c.reason})` : '';
    lines.push(
      `${String(c.id).padStart(4)}  ${c.name.slice(0, 20).padEnd(20)} ${pct(c.iou)}  ${pct(c.accuracy)}${note}`,
    );
  }
  const worst = r.perImage
    .filter((p) => p.mIoU !== null)
    .sort((a, b) => (a.mIoU ?? 0) - (b.mIoU ?? 0))
    .slice(0, 5);
  if (worst.length > 0) {
    lines.push(
      '',
      'worst images: ' + worst.map((p) => `${p.sample} ${pct(p.mIoU).trim()}`).join(', '),
    );
  }
  return lines.join('\n');
}

function flipOption(raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw new CliError(`--flip must be on or off, got "${raw}"`, 2);
}

function scalesOption(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const scales = raw.split(',').map((v) => Number(v.trim()));
  if (scales.length > 6 || scales.some((v) => !Number.isFinite(v) || v < 0.25 || v > 4)) {
    throw new CliError(
      `--scales must be up to 6 comma-separated multiples of the input size between 0.25 and 4, got "${raw}"`,
      2,
    );
  }
  return scales;
}

function resolutionOption(raw: string | undefined): EvalResolution {
  if (raw === undefined || raw === 'original' || raw === 'model') return raw ?? 'original';
  throw new CliError(`--resolution must be original or model, got "${raw}"`, 2);
}

export const evalCommand: CliCommand = {
  name: 'eval',
  summary:
    'Evaluate a run checkpoint or exported model on a dataset split (IoU per class and image)',
  args: 'RUN|MODEL_DIR',
  notes: [
    "Metrics are computed at the annotations' own resolution (logits upsampled bilinearly), as",
    'papers report them; --resolution model compares at the network input size instead.',
    'RUN defaults to its own dataset; an exported MODEL_DIR needs --dataset.',
  ],
  options: {
    dataset: {
      type: 'string',
      value: 'DIR',
      description: 'dataset folder to evaluate on',
      default: "the run's own dataset (required for an exported model)",
    },
    split: { type: 'string', value: 'S', description: 'split to evaluate', default: 'val' },
    batch: { type: 'string', value: 'B', description: 'images per forward pass', default: '4' },
    limit: {
      type: 'string',
      value: 'N',
      description: 'evaluate only the first N images',
      default: 'all',
    },
    csv: {
      type: 'string',
      value: 'FILE',
      description:
        'also write the report as CSV (scope,id,name,iou,accuracy,...: overall, class and image rows)',
    },
    resolution: {
      type: 'string',
      value: 'original|model',
      description:
        "original: score at the annotations' resolution (logits upsampled); model: at the network input size",
      default: 'original',
    },
    flip: {
      type: 'string',
      value: 'on|off',
      description: 'test-time flip: average the logits of each image and of its mirror',
      default: "the run's testTimeFlip (off for other models)",
    },
    scales: {
      type: 'string',
      value: 'LIST',
      description:
        'multi-scale testing: average over the network at these multiples of its input size (runs only), e.g. 1,1.25,1.5',
      default: "the run's testTimeScales (1 for other models)",
    },
    ...MODEL_SOURCE_OPTIONS,
  },
  allowPositionals: true,
  async run({ values, positionals, out }) {
    const location = singlePositional(evalCommand, positionals, 'RUN or MODEL_DIR');
    const split = stringOption(values, 'split') ?? 'val';
    const batchSize = numberOption(values, 'batch', { integer: true, min: 1 }) ?? 4;
    const limit = numberOption(values, 'limit', { integer: true, min: 1 });
    const resolution = resolutionOption(stringOption(values, 'resolution'));
    const flipAsked = flipOption(stringOption(values, 'flip'));
    const scalesAsked = scalesOption(stringOption(values, 'scales'));
    return withModelSource(location, values, out, async (source) => {
      const datasetDir = stringOption(values, 'dataset') ?? source.runDataset;
      if (!datasetDir)
        throw new CliError('--dataset DIR is required to evaluate an exported model', 2);
      for (const note of source.notes) out.info(note);
      const index = await openDatasetOrFail(datasetDir);
      if (!(split in index.splits)) {
        throw new CliError(
          `${datasetDir} has no split "${split}" (splits: ${Object.keys(index.splits).join(', ') || 'none'})`,
        );
      }
      const samples = index.source(split);
      const unlabeled = index.unlabeledNote(split);
      if (samples.count === 0)
        throw new CliError(
          `split "${split}" of ${datasetDir} has no usable samples${unlabeled ? ` (${unlabeled})` : ''}`,
        );
      if (unlabeled) out.info(unlabeled);
      let warnings: string[];
      try {
        warnings = checkClassesMatch(source.fields, samples.classes, `dataset ${datasetDir}`);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      for (const w of warnings) out.warn(w);
      const total = Math.min(samples.count, limit ?? samples.count);
      const bar = out.progress('eval', total, 'img');
      const flip = flipAsked ?? source.runConfig?.testTimeFlip ?? false;
      // A run's own scales apply where they can: --resolution model scores at one size.
      const ownScales = resolution === 'original' ? source.runConfig?.testTimeScales : undefined;
      const scales = scalesAsked ?? ownScales ?? [1];
      const scaled = scaledModelsFor(source, scales, resolution, samples.classes.length);
      const started = performance.now();
      let result: EvalResult;
      try {
        result = await evaluateModel(source.model, samples, {
          normalization: NormalizationConfig.parse(source.fields.normalization),
          batchSize,
          resolution,
          flip,
          scaled,
          ...(limit !== undefined && { limit }),
          onProgress: (done) => bar.update(done),
        });
      } finally {
        for (const m of scaled) m.model.dispose();
      }
      bar.finish();
      const seconds = (performance.now() - started) / 1000;
      const report = {
        model: source.location,
        kind: source.kind,
        checkpoint: source.checkpoint ?? null,
        dataset: index.descriptor.root,
        resolution,
        flip,
        scales: scalesOf(scaled),
        backend: backendInfo().backend,
        seconds: Math.round(seconds * 100) / 100,
        ...result,
      };
      const csv = stringOption(values, 'csv');
      if (csv !== undefined) {
        await writeFileAtomic(path.resolve(csv), evalCsv(result)).catch((err: Error) => {
          throw new CliError(`--csv ${csv}: cannot write (${err.message})`, 1, { file: csv });
        });
        out.info(`report written to ${path.resolve(csv)}`);
      }
      out.result(report, () => humanReport(result, `${source.kind} ${source.location}`));
      return 0;
    });
  },
};

/** The network at the other scales of `scales` (none for [1]); runs only. */
function scaledModelsFor(
  source: ModelSource,
  scales: readonly number[],
  resolution: EvalResolution,
  numClasses: number,
): ScaledModel[] {
  if (scales.every((s) => s === 1)) return [];
  if (!source.runConfig) {
    throw new CliError(
      `--scales needs a run folder: it rebuilds the network at other sizes (${source.location} is ${source.kind === 'export' ? 'an exported model' : 'a seed checkpoint'})`,
      2,
    );
  }
  if (resolution !== 'original') {
    throw new CliError(
      "--scales scores at the annotations' resolution: drop --resolution model",
      2,
    );
  }
  return modelsAtScales(getTf(), source.model, source.runConfig, numClasses, scales);
}
