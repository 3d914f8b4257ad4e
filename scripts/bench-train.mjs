#!/usr/bin/env node
// Training and inference speed, side by side with PyTorch CPU, as ratios measured in one run.
//
//   node scripts/bench-train.mjs [--reps R] [--steps N] [--warmup W] [--only a,b] [--threads T]
//                                [--torch-omp-wait passive|active] [--no-torch] [--json]
//
// Workloads (--only picks some):
//   seed           the seed project's AlexNet-FCN, features frozen, 240x240, batch 16, 101 classes,
//                  against the seed's own PyTorch code (scripts/bench/torch_seed_step.py);
//   default-train  Seg Studio's `default` network at 480x360 (CamVid native), batch 8, 12 classes,
//                  against its PyTorch twin (bench/reference/layers_twin.py), which is built from
//                  the Layers topology tfjs trains (`segstudio bench --topology`); the parameter
//                  counts of both must agree before a ratio is printed;
//   default-infer  the same network and twin, forward passes of a batch of 8.
// Each measurement is a fresh process (warm-up steps, then timed steps, median). tfjs and PyTorch
// alternate (A B A B ...) for --reps pairs, so load from other processes hits both sides alike;
// each pair gives a ratio and the table reports the median ratio. Both sides get the same
// thread count (default 2; TF_NUM_INTRAOP_THREADS / torch.set_num_threads). PyTorch runs with
// OMP_WAIT_POLICY=PASSIVE (--torch-omp-wait active for OpenMP's default spinning): on a shared,
// loaded machine its spinning OpenMP threads cost it 2-3x in wall and CPU time.
//
// Prints a table (stderr with --json) and, as the last stdout line, one JSON object.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'segstudio.cjs');
const seedTorch = path.join(root, 'scripts', 'bench', 'torch_seed_step.py');
const twin = path.join(root, 'bench', 'reference', 'layers_twin.py');
const WORKLOADS = ['seed', 'default-train', 'default-infer'];

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    only: { type: 'string', default: WORKLOADS.join(',') },
    threads: { type: 'string', default: '2' },
    'torch-omp-wait': { type: 'string', default: 'passive' },
    'no-torch': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const int = (v, min) => (Number.isInteger(Number(v)) && Number(v) >= min ? Number(v) : NaN);
const reps = int(values.reps, 1);
const steps = int(values.steps, 1);
const warmup = int(values.warmup, 0);
const threads = int(values.threads, 1);
const only = values.only.split(',').filter(Boolean);
if ([reps, steps, warmup, threads].some(Number.isNaN) || only.some((w) => !WORKLOADS.includes(w))) {
  console.error(
    `usage: node scripts/bench-train.mjs [--reps R>=1] [--steps N>=1] [--warmup W>=0] [--threads T>=1] [--only ${WORKLOADS.join(',')}] [--no-torch] [--json]`,
  );
  process.exit(2);
}
const say = (line) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
const env = {
  ...process.env,
  TF_NUM_INTRAOP_THREADS: String(threads),
  TF_NUM_INTEROP_THREADS: String(threads),
  OMP_NUM_THREADS: String(threads),
};

const torchEnv = { ...env, OMP_WAIT_POLICY: values['torch-omp-wait'].toUpperCase() };

function run(label, cmd, args, runEnv = env) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    env: runEnv,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) {
    throw new Error(
      `${label} failed (exit ${r.status}):\n${(r.stderr || r.stdout).trim().slice(-2000)}`,
    );
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
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

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

ensureBuilt();
const torch = torchStatus();
if (!torch.available) say(`PyTorch: unavailable — ${torch.note}`);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'segstudio-bench-'));
const topology = path.join(tmp, 'default-480x360.json');
const timing = ['--steps', String(steps), '--warmup', String(warmup)];

/** Seg Studio's default network at 480x360, batch 8, 12 classes, and its PyTorch twin. */
const defaultWorkload = (mode) => ({
  title: `default 480x360 b8 C12 ${mode}`,
  target: 'tfjs img/s >= 1.2x PyTorch',
  tfjs: [cli, 'bench', '--preset', 'default', '--size', '480x360', '--batch', '8'].concat(
    ['--classes', '12', ...(mode === 'inference' ? ['--inference'] : [])],
    ['--topology', topology, ...timing, '--json'],
  ),
  torch: [twin, '--topology', topology, '--mode', mode, '--batch', '8', '--classes', '12'].concat([
    '--threads',
    String(threads),
    ...timing,
  ]),
  checkParameters: true,
});

const specs = {
  seed: {
    title: 'seed AlexNet-FCN frozen 240x240 b16 C101 train',
    target: 'tfjs time <= 0.5x PyTorch',
    tfjs: [
      cli,
      'bench',
      '--preset',
      'seed-alexnet-fcn',
      '--size',
      '240x240',
      '--batch',
      '16',
    ].concat(['--classes', '101', '--freeze', ...timing, '--json']),
    torch: [seedTorch, '--size', '240', '--batch', '16', '--classes', '101', '--freeze'].concat([
      '--threads',
      String(threads),
      ...timing,
    ]),
    checkParameters: false,
  },
  'default-train': defaultWorkload('train'),
  'default-infer': defaultWorkload('inference'),
};

const results = {};
try {
  for (const name of only) {
    const spec = specs[name];
    const pairs = [];
    for (let rep = 0; rep < reps; rep++) {
      say(`${name}: pair ${rep + 1}/${reps} tfjs-node ...`);
      const a = run(`${name} on tfjs-node`, process.execPath, spec.tfjs);
      let b = null;
      if (torch.available) {
        say(`${name}: pair ${rep + 1}/${reps} PyTorch ...`);
        b = run(`${name} on PyTorch`, 'python3', spec.torch, torchEnv);
        if (
          spec.checkParameters &&
          (a.parameters !== b.parameters || a.trainable_parameters !== b.trainable_parameters)
        ) {
          throw new Error(
            `${name}: the PyTorch twin has ${b.trainable_parameters} trainable / ${b.parameters} total parameters, tfjs ${a.trainable_parameters} / ${a.parameters}: not the same network, no ratio`,
          );
        }
      }
      pairs.push({ tfjs: a, torch: b });
    }
    const tf = pairs.map((p) => p.tfjs);
    const th = pairs.map((p) => p.torch).filter(Boolean);
    const speed = th.length ? median(pairs.map((p) => p.tfjs.img_per_s / p.torch.img_per_s)) : null;
    const cpu = th.length
      ? median(pairs.map((p) => p.torch.cpu_s_per_step / p.tfjs.cpu_s_per_step))
      : null;
    results[name] = {
      title: spec.title,
      target: spec.target,
      tfjs_step_s: median(tf.map((r) => r.median_step_s)),
      tfjs_img_per_s: median(tf.map((r) => r.img_per_s)),
      tfjs_cpu_s_per_step: median(tf.map((r) => r.cpu_s_per_step)),
      torch_step_s: th.length ? median(th.map((r) => r.median_step_s)) : null,
      torch_img_per_s: th.length ? median(th.map((r) => r.img_per_s)) : null,
      torch_cpu_s_per_step: th.length ? median(th.map((r) => r.cpu_s_per_step)) : null,
      parameters: tf[0].parameters,
      trainable_parameters: tf[0].trainable_parameters,
      // Median over the pairs of tfjs img/s / PyTorch img/s (> 1: tfjs faster), its inverse
      // as a time ratio, and the same from process CPU seconds (less sensitive to load).
      speed_ratio: speed,
      time_ratio: speed === null ? null : 1 / speed,
      cpu_speed_ratio: cpu,
      pairs: pairs.map((p) => ({
        tfjs_step_s: p.tfjs.median_step_s,
        torch_step_s: p.torch?.median_step_s ?? null,
      })),
    };
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

say('');
say(
  `${'workload'.padEnd(44)} ${'tfjs s'.padStart(7)} ${'torch s'.padStart(7)} ${'speed'.padStart(6)} ${'time'.padStart(6)} ${'cpu'.padStart(6)}  target`,
);
const f = (x, d = 3) => (x === null ? '-' : x.toFixed(d));
for (const r of Object.values(results)) {
  say(
    `${r.title.padEnd(44)} ${f(r.tfjs_step_s).padStart(7)} ${f(r.torch_step_s).padStart(7)} ${f(r.speed_ratio, 2).padStart(6)} ${f(r.time_ratio, 2).padStart(6)} ${f(r.cpu_speed_ratio, 2).padStart(6)}  ${r.target}`,
  );
}
say(
  `speed = tfjs img/s / PyTorch img/s, time = its inverse, cpu = PyTorch CPU s / tfjs CPU s (medians of ${reps} interleaved pairs, ${threads} threads each, ${torch.note}, OMP_WAIT_POLICY=${torchEnv.OMP_WAIT_POLICY})`,
);
process.stdout.write(
  `${JSON.stringify({ reps, steps, warmup, threads, torch_omp_wait: torchEnv.OMP_WAIT_POLICY, torch_available: torch.available, torch_note: torch.note, os_load: os.loadavg()[0], workloads: results })}\n`,
);
