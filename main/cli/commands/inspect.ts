import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../../../shared/dataset/descriptor';
import { DATASET_FORMATS } from '../../../shared/dataset/formats';
import {
  DatasetError,
  detectFormat,
  openDataset,
  scanKey,
  tallyScans,
  type IndexPhase,
} from '../../dataset/index';
import { datasetLayoutOf, datasetLayoutOptions, splitCounts } from '../options';
import type { ProgressBar } from '../progress';
import { CliError, singlePositional, numberOption, type CliCommand } from '../framework';

const hex = (c: readonly number[]): string =>
  `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

function groupProblems(problems: readonly Problem[]): string[] {
  if (problems.length === 0) return ['problems: none'];
  const byReason = new Map<string, Problem[]>();
  for (const p of problems) byReason.set(p.reason, [...(byReason.get(p.reason) ?? []), p]);
  const lines = [`problems: ${problems.length}`];
  for (const [reason, list] of byReason) {
    lines.push(`  ${reason} (${list.length})`);
    for (const p of list.slice(0, 20)) {
      const where = p.sample ? `${p.split}/${p.sample}` : p.split || path.basename(p.path);
      lines.push(`    ${where}: ${p.detail ?? p.path}`);
    }
    if (list.length > 20) lines.push(`    ... and ${list.length - 20} more`);
  }
  return lines;
}

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'Open a dataset folder as it is: format, splits, classes and every bad file',
  // Full check by default (a person asking what is wrong wants the mask values checked too);
  // --quick reads headers only, as opening a dataset in the app does. --deep is the default,
  // accepted so scripts can say what they mean.
  args: 'DIR',
  options: {
    ...datasetLayoutOptions('class list file (names, ids, colours)'),
    quick: {
      type: 'boolean',
      description: 'read headers only, as opening a dataset in the app does',
      default: 'off',
    },
    deep: {
      type: 'boolean',
      description: 'also decode every mask and image (accepted so scripts can say what they mean)',
      default: 'on',
    },
    strict: {
      type: 'boolean',
      description: 'exit 1 if any problem is found (the report is still printed first)',
      default: 'off',
    },
    'max-mpx': {
      type: 'string',
      value: 'N',
      description: 'largest image accepted, in megapixels',
      default: "the app's limit",
    },
  },
  allowPositionals: true,
  async run({ values, positionals, out }) {
    const dir = singlePositional(inspectCommand, positionals, 'DIR');
    const root = path.resolve(dir);
    if (!existsSync(root))
      throw new CliError(`${root} does not exist`, 1, { code: 'not-found', file: root });
    if (!statSync(root).isDirectory()) throw new CliError(`${root} is a file, not a folder`);
    const layout = datasetLayoutOf(values);
    const maxMpx = numberOption(values, 'max-mpx', { min: 0.001 });
    if (values['quick'] === true && values['deep'] === true) {
      throw new CliError('--quick and --deep contradict each other', 2);
    }

    const guess = await detectFormat(root);
    if (!layout.format && !guess.format) {
      throw new CliError(
        `${root} does not look like a known dataset layout; pass --format (${DATASET_FORMATS.join(', ')})`,
      );
    }
    let bar: ProgressBar | undefined;
    let barPhase: IndexPhase | undefined;
    const started = performance.now();
    const index = await openDataset(root, {
      ...layout,
      ...(maxMpx !== undefined && { maxPixels: Math.round(maxMpx * 1e6) }),
      deep: values['quick'] !== true,
      onProgress(done, total, phase) {
        if (phase !== barPhase) {
          bar?.finish();
          barPhase = phase;
          bar = out.progress(
            phase === 'headers' ? 'checking files' : 'checking masks',
            total,
            'samples',
          );
        }
        bar?.update(done);
      },
    }).catch((err: unknown) => {
      bar?.finish();
      throw err instanceof DatasetError ? new CliError(err.message) : err;
    });
    bar?.finish();
    const seconds = (performance.now() - started) / 1000;
    const d = index.descriptor;
    const splits = splitCounts(index.splits);
    const samples = Object.values(index.splits).reduce((n, s) => n + s.listed, 0);
    // Per-class counts from the mask pass (usable masks of every split, at their resolution).
    const deep = values['quick'] !== true;
    const usableScans = Object.values(index.splits)
      .flatMap((s) => s.samples)
      .flatMap((r) => index.scans.get(scanKey(r)) ?? []);
    const tally = deep ? tallyScans(usableScans, index.mapper) : null;
    const classes = d.classes.map((c) =>
      tally
        ? {
            ...c,
            pixels: tally.byId.get(c.id)?.pixels ?? 0,
            images: tally.byId.get(c.id)?.images ?? 0,
          }
        : c,
    );
    const result = {
      format: d.format,
      root: d.root,
      detection: layout.format ? null : { confidence: guess.confidence, reasons: guess.reasons },
      encoding: d.encoding,
      ...(d.rgbMapping && { rgbMapping: d.rgbMapping }),
      labelsSource: d.labelsSource,
      voidId: d.voidId,
      splits,
      classes,
      ...(tally && { voidPixels: tally.voidPixels, totalPixels: tally.totalPixels }),
      problems: index.problems,
      checked: values['quick'] === true ? 'headers' : 'headers+masks',
      timing: {
        samples,
        seconds: Math.round(seconds * 1000) / 1000,
        samplesPerSecond: Math.round(samples / Math.max(seconds, 1e-6)),
      },
    };
    out.result(result, () => {
      const width = Math.max(5, ...Object.keys(splits).map((n) => n.length));
      const nameWidth = Math.max(4, ...d.classes.map((c) => c.name.length));
      return [
        `dataset   ${d.root}`,
        `format    ${d.format}${result.detection ? ` (detected, ${result.detection.reasons.join('; ')})` : ''}`,
        `masks     ${d.encoding}${d.rgbMapping ? ` (${d.rgbMapping})` : ''}, classes from ${d.labelsSource}, void id ${d.voidId ?? 'none'}`,
        `checked   ${result.checked} of ${samples} samples in ${seconds.toFixed(1)}s`,
        '',
        `${'split'.padEnd(width)}  listed  usable  unlabeled`,
        ...Object.entries(splits).map(
          ([n, s]) =>
            `${n.padEnd(width)}  ${String(s.listed).padStart(6)}  ${String(s.usable).padStart(6)}  ${String(s.unlabeled).padStart(9)}`,
        ),
        '',
        `classes: ${d.classes.filter((c) => !c.void).length}${d.voidId === null ? '' : ` + void ${d.voidId}`}`,
        `  ${'id'.padStart(4)}  ${'name'.padEnd(nameWidth)}  colour ${tally ? '      pixels  images' : ''}`,
        ...classes.map(
          (c) =>
            `  ${String(c.id).padStart(4)}  ${c.name.padEnd(nameWidth)}  ${hex(c.color)}${'pixels' in c ? `  ${String(c.pixels).padStart(11)}  ${String(c.images).padStart(6)}` : ''}${c.void ? '  (void)' : ''}`,
        ),
        ...(tally ? [`  void pixels ${tally.voidPixels} of ${tally.totalPixels}`] : []),
        '',
        ...groupProblems(index.problems),
      ].join('\n');
    });
    if (values['strict'] === true && index.problems.length > 0) {
      const n = index.problems.length;
      throw new CliError(`--strict: ${n} problem${n === 1 ? '' : 's'} in ${root}`, 1, {
        code: 'problems',
        file: root,
      });
    }
    return 0;
  },
};
