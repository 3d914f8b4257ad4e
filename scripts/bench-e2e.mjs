#!/usr/bin/env node
// End-to-end training speed and memory: real epochs on CamVid files at 480x360 (decode, augment,
// step; `segstudio bench --dataset`) against the compute-only step on synthetic in-memory data
// (`segstudio bench`), same network, size and batch, alternating (A B A B ...) for --reps pairs.
// The ratio is e2e img/s / compute-only img/s per pair (median over pairs; target >= 0.9).
// Every epoch's resident memory and tf.memory().numTensors are printed (target: flat).
//
//   node scripts/bench-e2e.mjs [--dataset DIR] [--epochs E] [--limit N] [--reps R] [--steps N]
//                              [--size WxH] [--batch B] [--json]
//
// --limit N trains on the first N train samples only (a quick run); without it, whole epochs.
// Prints a table (stderr with --json) and, as the last stdout line, one JSON object.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'segstudio.cjs');
const defaultDataset = [
  process.env['SEGSTUDIO_SHARED_DIR'] &&
    path.join(process.env['SEGSTUDIO_SHARED_DIR'], 'datasets', 'camvid'),
  path.resolve(root, '..', 'shared', 'datasets', 'camvid'),
].find((d) => d && existsSync(path.join(d, 'train.txt')));

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: defaultDataset },
    epochs: { type: 'string', default: '3' },
    limit: { type: 'string' },
    reps: { type: 'string', default: '1' },
    steps: { type: 'string', default: '5' },
    size: { type: 'string', default: '480x360' },
    batch: { type: 'string', default: '8' },
    threads: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});
const say = (line) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
if (!values.dataset || !existsSync(values.dataset)) {
  console.error(
    'bench-e2e: CamVid not found; pass --dataset DIR (a pair-list dataset with a train split)',
  );
  process.exit(2);
}
const reps = Number(values.reps);
const env = {
  ...process.env,
  TF_NUM_INTRAOP_THREADS: values.threads,
  TF_NUM_INTEROP_THREADS: values.threads,
};

function run(label, args) {
  say(`running ${label} ...`);
  const r = spawnSync(process.execPath, [cli, 'bench', ...args, '--json'], {
    cwd: root,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) {
    throw new Error(`${label} failed (exit ${r.status}):\n${(r.stderr || r.stdout).slice(-2000)}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

if (!existsSync(path.join(root, 'out', 'main', 'cli.cjs'))) {
  console.error('bench-e2e: build first (npm run build)');
  process.exit(2);
}
const shape = ['--preset', 'default', '--size', values.size, '--batch', values.batch];
const pairs = [];
for (let rep = 0; rep < reps; rep++) {
  // --recipe: the same loss, class weights and weight average as the real epochs train with.
  const compute = run(`compute-only step (pair ${rep + 1}/${reps})`, [
    ...shape,
    '--recipe',
    '--classes',
    '12',
    '--steps',
    values.steps,
    '--warmup',
    '2',
  ]);
  const e2e = run(`real epochs on ${values.dataset} (pair ${rep + 1}/${reps})`, [
    ...shape,
    '--dataset',
    values.dataset,
    '--epochs',
    values.epochs,
    ...(values.limit ? ['--limit', values.limit] : []),
  ]);
  pairs.push({ compute, e2e });
}

say('');
say(
  `${'pair'.padEnd(5)} ${'epoch'.padEnd(6)} ${'steps'.padStart(5)} ${'img/s'.padStart(7)} ${'compute'.padStart(8)} ${'ratio'.padStart(6)} ${'wait%'.padStart(6)} ${'RSS MB'.padStart(7)} ${'tensors'.padStart(8)}`,
);
const perPair = [];
pairs.forEach(({ compute, e2e }, i) => {
  for (const ep of e2e.epochs) {
    say(
      `${String(i + 1).padEnd(5)} ${String(ep.epoch + 1).padEnd(6)} ${String(ep.steps).padStart(5)} ${ep.img_per_s.toFixed(2).padStart(7)} ${compute.img_per_s.toFixed(2).padStart(8)} ${(ep.img_per_s / compute.img_per_s).toFixed(2).padStart(6)} ${(100 * ep.data_wait_fraction).toFixed(1).padStart(6)} ${ep.rss_mb.toFixed(0).padStart(7)} ${String(ep.num_tensors).padStart(8)}`,
    );
  }
  const first = e2e.epochs[0];
  const later = e2e.epochs.slice(1);
  perPair.push({
    first_epoch_ratio: first.img_per_s / compute.img_per_s,
    later_epochs_ratio: later.length
      ? median(later.map((e) => e.img_per_s)) / compute.img_per_s
      : null,
    rss_growth_mb: e2e.epochs.at(-1).rss_mb - first.rss_mb,
    tensors_growth: e2e.epochs.at(-1).num_tensors - first.num_tensors,
  });
});
const ratio = median(perPair.map((p) => p.later_epochs_ratio ?? p.first_epoch_ratio));
const firstRatio = median(perPair.map((p) => p.first_epoch_ratio));
say(
  `e2e / compute-only img/s: ${ratio.toFixed(2)} (epochs after the first), ${firstRatio.toFixed(2)} (first epoch, files decoded); target >= 0.9`,
);
process.stdout.write(
  `${JSON.stringify({
    dataset: values.dataset,
    size: values.size,
    batch: Number(values.batch),
    epochs: Number(values.epochs),
    limit: values.limit ? Number(values.limit) : null,
    ratio,
    first_epoch_ratio: firstRatio,
    pairs: pairs.map((p, i) => ({
      compute_img_per_s: p.compute.img_per_s,
      epochs: p.e2e.epochs,
      ...perPair[i],
    })),
  })}\n`,
);
