#!/usr/bin/env node
// Training-speed benchmark, side by side: the seed workload (AlexNet-FCN with frozen features,
// 240x240, batch 16, 101 classes) on tfjs-node and on PyTorch CPU, plus Seg Studio's default
// preset on tfjs-node. Each workload runs in its own fresh process, one after the other.
//
//   node scripts/bench-train.mjs [--steps N] [--warmup W] [--no-torch] [--json]
//
// Prints a table (stderr with --json) and, as the last stdout line, one JSON object.
// PyTorch missing is reported (with how to install it), not a failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'segstudio.cjs');
const torchScript = path.join(root, 'scripts', 'bench', 'torch_seed_step.py');

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    'no-torch': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const steps = Number(values.steps);
const warmup = Number(values.warmup);
if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(warmup) || warmup < 0) {
  console.error(
    'usage: node scripts/bench-train.mjs [--steps N>=1] [--warmup W>=0] [--no-torch] [--json]',
  );
  process.exit(2);
}
const say = (line) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);

function lastJsonLine(stdout) {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line);
}

function run(label, cmd, args) {
  say(`running ${label} ...`);
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) {
    throw new Error(
      `${label} failed (exit ${r.status}):\n${(r.stderr || r.stdout).trim().slice(-2000)}`,
    );
  }
  return lastJsonLine(r.stdout);
}

function ensureBuilt() {
  if (existsSync(path.join(root, 'out', 'main', 'cli.cjs'))) return;
  say('building the CLI (node scripts/build.mjs --no-renderer) ...');
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'scripts', 'build.mjs'), '--no-renderer'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function torchStatus() {
  if (values['no-torch']) return { available: false, note: 'skipped (--no-torch)' };
  const r = spawnSync('python3', ['-c', 'import torch; print(torch.__version__)'], {
    encoding: 'utf8',
  });
  if (r.status === 0) return { available: true, note: `torch ${r.stdout.trim()}` };
  return {
    available: false,
    note:
      'PyTorch is not importable by python3; install a CPU build with `pip install torch` ' +
      '(for the reference numbers: `pip install torch==2.13.0`) and run again to compare',
  };
}

ensureBuilt();
const common = ['--steps', String(steps), '--warmup', String(warmup), '--json'];
const seedArgs = [
  '--preset',
  'seed-alexnet-fcn',
  '--size',
  '240x240',
  '--batch',
  '16',
  '--classes',
  '101',
];
const seedTfjs = run('seed workload on tfjs-node', process.execPath, [
  cli,
  'bench',
  ...seedArgs,
  '--freeze',
  ...common,
]);
const torch = torchStatus();
let seedTorch = null;
if (torch.available) {
  seedTorch = run('seed workload on PyTorch', 'python3', [
    torchScript,
    '--size',
    '240',
    '--batch',
    '16',
    '--classes',
    '101',
    '--freeze',
    '--steps',
    String(steps),
    '--warmup',
    String(warmup),
  ]);
} else {
  say(`PyTorch: unavailable — ${torch.note}`);
}
const defaultTfjs = run('default preset on tfjs-node', process.execPath, [
  cli,
  'bench',
  '--preset',
  'default',
  '--size',
  '240x240',
  '--batch',
  '8',
  '--classes',
  '12',
  ...common,
]);

const rows = [
  ['seed-alexnet-fcn 240x240 b16 C101 frozen', seedTfjs],
  ...(seedTorch ? [['seed-alexnet-fcn 240x240 b16 C101 frozen', seedTorch]] : []),
  ['default 240x240 b8 C12', defaultTfjs],
];
say('');
say(
  `${'workload'.padEnd(42)} ${'backend'.padEnd(12)} ${'s/step'.padStart(8)} ${'img/s'.padStart(8)}`,
);
for (const [name, r] of rows) {
  say(
    `${name.padEnd(42)} ${String(r.backend).padEnd(12)} ${r.median_step_s.toFixed(3).padStart(8)} ${r.img_per_s.toFixed(1).padStart(8)}`,
  );
}
const ratio = seedTorch ? seedTfjs.median_step_s / seedTorch.median_step_s : null;
if (ratio !== null) {
  const faster =
    ratio < 1
      ? `tfjs-node ${(1 / ratio).toFixed(2)}x faster`
      : `PyTorch ${ratio.toFixed(2)}x faster`;
  say(`seed step time tfjs/torch = ${ratio.toFixed(3)} (${faster})`);
}
const pick = (r) =>
  r && {
    backend: r.backend,
    median_step_s: r.median_step_s,
    img_per_s: r.img_per_s,
    batch: r.batch,
    classes: r.classes,
    width: r.width,
    height: r.height,
    ...(r.torch && { torch: r.torch, threads: r.threads }),
  };
process.stdout.write(
  `${JSON.stringify({
    steps,
    warmup,
    seed_tfjs: pick(seedTfjs),
    seed_torch: pick(seedTorch),
    default_tfjs: pick(defaultTfjs),
    ratio_tfjs_over_torch: ratio,
    torch_available: torch.available,
    torch_note: torch.note,
  })}\n`,
);
