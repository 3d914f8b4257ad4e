#!/usr/bin/env node
// The whole labeling loop on CamVid, timed stage by stage through the product's own services
// (the dispatcher the UI calls, real worker processes, no mocks): evaluate a trained run, fix
// the 5 worst failure cases with `labels.save` (the editor's save path; state `labeled`),
// "Fine-tune with my corrections" (`training.fineTune`: the source run's best checkpoint, its
// settings, 3 epochs at a tenth of its LR), then evaluate both runs anew and compare them as
// Evaluate's comparison view does (`compareReports`).
//
//   node scripts/bench-loop.mjs [--run DIR] [--size WxH] [--epochs E] [--batch B]
//        [--train N] [--val N] [--noisy N] [--fixes N] [--ft-epochs E] [--split S]
//        [--compare-split S] [--keep] [--json]
//
// Everything happens in a temp copy of CamVid and a temp project (the shared CamVid is only
// read). So that the fixes are real corrections, `--noisy N` train annotations of the copy get
// wrong labels first (every class id shifted by one, void kept): label noise the loop should
// find. Failure cases come from `--split` (default train: the split the fine-tune learns the
// fixes from); each fix saves the original CamVid annotation of that sample as the edit. The
// source run is trained here (`--size`, `--epochs`, `--batch`; defaults take a few minutes on
// 2 cores), or `--run DIR` copies a run folder trained on CamVid into the project. `--train` /
// `--val` keep only the first N samples of a split for a quick check.
//
// Prints a table of each stage's wall and CPU seconds (CPU of this process and every worker
// process it started; stderr with --json), then one JSON line.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import sharp from 'sharp';
import { processTable } from './lib/measure.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    run: { type: 'string' },
    size: { type: 'string', default: '160x120' },
    epochs: { type: 'string', default: '3' },
    batch: { type: 'string', default: '8' },
    train: { type: 'string' },
    val: { type: 'string' },
    noisy: { type: 'string', default: '5' },
    fixes: { type: 'string', default: '5' },
    'ft-epochs': { type: 'string', default: '3' },
    split: { type: 'string', default: 'train' },
    'compare-split': { type: 'string', default: 'val' },
    dataset: { type: 'string' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const count = (v, min) =>
  v === undefined ? undefined : Number.isInteger(Number(v)) && Number(v) >= min ? Number(v) : NaN;
const opts = {
  epochs: count(values.epochs, 1),
  batch: count(values.batch, 1),
  train: count(values.train, 1),
  val: count(values.val, 1),
  noisy: count(values.noisy, 0),
  fixes: count(values.fixes, 1),
  ftEpochs: count(values['ft-epochs'], 1),
};
const size = /^(\d+)x(\d+)$/.exec(values.size);
if (!size || Object.values(opts).some(Number.isNaN)) {
  console.error(
    'usage: node scripts/bench-loop.mjs [--run DIR] [--size WxH] [--epochs E] [--batch B] [--train N] [--val N] [--noisy N] [--fixes N] [--ft-epochs E] [--split S] [--compare-split S] [--keep] [--json]',
  );
  process.exit(2);
}
const say = (line) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);

const CAMVID =
  values.dataset ??
  [
    process.env['SEGSTUDIO_SHARED_DIR'] &&
      path.join(process.env['SEGSTUDIO_SHARED_DIR'], 'datasets', 'camvid'),
    path.resolve(root, '..', 'shared', 'datasets', 'camvid'),
    '/work/shared/datasets/camvid',
  ].find((d) => d && existsSync(path.join(d, 'train.txt')));
if (!CAMVID) {
  console.error('CamVid not found: pass --dataset DIR or set SEGSTUDIO_SHARED_DIR');
  process.exit(2);
}

// ---- CPU of this process tree (Linux /proc): own time plus reaped children's, per process ----
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
function treeCpuSeconds() {
  const stats = new Map(processTable().map((s) => [s.pid, s]));
  let ticks = 0;
  const todo = [process.pid];
  while (todo.length) {
    const pid = todo.pop();
    const own = stats.get(pid);
    ticks += own ? own.ticks + own.reaped : 0;
    for (const [child, s] of stats) if (s.ppid === pid) todo.push(child);
  }
  return ticks / TICK;
}

const stages = [];
/** The loop itself; copying, opening and the source run come before it. */
const LOOP_STAGES = ['evaluate', 'fix', 'fine_tune', 're_evaluate', 'compare'];
/** Times `fn` as one stage: `key` names it in the JSON line, `name` in the table. */
async function stage(key, name, fn) {
  const cpu0 = treeCpuSeconds();
  const t0 = performance.now();
  const result = await fn();
  const row = {
    key,
    stage: name,
    wall: (performance.now() - t0) / 1000,
    cpu: treeCpuSeconds() - cpu0,
  };
  stages.push(row);
  say(`  ${name}: ${row.wall.toFixed(1)} s wall, ${row.cpu.toFixed(1)} s CPU`);
  return result;
}

// ---- the product's services, bundled from the sources like the CLI (needs out/main) ----
async function loadProduct() {
  const outfile = path.join(root, 'out', 'bench', 'loop-services.cjs');
  // The child under the quiet launcher (below) takes the bundle its parent just made.
  if (process.env['SEGSTUDIO_STDERR_FILTERED']) return createRequire(import.meta.url)(outfile);
  if (!existsSync(path.join(root, 'out', 'main', 'training-worker.cjs'))) {
    say('building (node scripts/build.mjs --no-renderer) ...');
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'scripts', 'build.mjs'), '--no-renderer'],
      { stdio: 'inherit' },
    );
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  // Inside out/ so the bundle finds the package root (and out/main's workers) as the CLI does.
  await esbuild({
    stdin: {
      resolveDir: root,
      loader: 'ts',
      contents: [
        "export { createAppServices } from './main/services/index';",
        "export { createServeHost } from './main/serve/host';",
        "export { compareReports } from './renderer/src/lib/compare';",
        "export { pickFailures } from './renderer/src/lib/failure-picks';",
        "export { launchQuietCli } from './main/cli/quiet-launch';",
      ].join('\n'),
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['electron', ...Object.keys(pkg.dependencies ?? {})],
    banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__importMetaUrl' },
    outfile,
    logLevel: 'warning',
  });
  return createRequire(import.meta.url)(outfile);
}

// ---- the temp CamVid copy (first N of each split) with label noise on some train masks ----
const listOf = (dir, split) =>
  readFileSync(path.join(dir, `${split}.txt`), 'utf8')
    .split('\n')
    .filter(Boolean);
const idOf = (line) => path.basename(line.split(' ')[0], '.png');

async function copyCamvid(dir) {
  copyFileSync(path.join(CAMVID, 'labels.json'), path.join(dir, 'labels.json'));
  const kept = { train: opts.train, val: opts.val };
  for (const split of ['train', 'val', 'test'].filter((s) =>
    existsSync(path.join(CAMVID, `${s}.txt`)),
  )) {
    const lines = listOf(CAMVID, split).slice(0, kept[split] ?? Infinity);
    for (const folder of [split, `${split}annot`]) {
      mkdirSync(path.join(dir, folder));
      for (const line of lines) {
        const name = `${idOf(line)}.png`;
        copyFileSync(path.join(CAMVID, folder, name), path.join(dir, folder, name));
      }
    }
    writeFileSync(path.join(dir, `${split}.txt`), `${lines.join('\n')}\n`);
  }
  const train = listOf(dir, 'train').map(idOf);
  const noisy = [];
  for (let k = 0; k < Math.min(opts.noisy, train.length); k++) {
    const id = train[Math.floor(((k + 0.5) * train.length) / opts.noisy)];
    const file = path.join(dir, 'trainannot', `${id}.png`);
    const { data, info } = await sharp(file)
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    for (let p = 0; p < data.length; p++) if (data[p] < 11) data[p] = (data[p] + 1) % 11;
    const raw = { width: info.width, height: info.height, channels: 1 };
    // A copy (its own file, never a link to the shared one), so it may be rewritten.
    await sharp(data, { raw }).toColourspace('b-w').png().toFile(file);
    noisy.push(id);
  }
  return noisy;
}

/** The original CamVid annotation of a sample as a labels.save mask (deflated ids, base64). */
async function originalMask(split, id) {
  const file = path.join(CAMVID, `${split}annot`, `${id}.png`);
  const { data, info } = await sharp(file)
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const payload = { width: info.width, height: info.height, bitDepth: 8, compression: 'deflate' };
  return { ...payload, data: deflateSync(data).toString('base64') };
}

// ---- the loop ----
const product = await loadProduct();
if (!process.env['SEGSTUDIO_STDERR_FILTERED'] && process.env['SEGSTUDIO_TF_LOG'] !== '1') {
  // Run again as a child whose stderr drops libtensorflow's start-up lines (the workers print
  // them), exactly as `segstudio` does; SEGSTUDIO_TF_LOG=1 shows them.
  product.launchQuietCli(fileURLToPath(import.meta.url), process.argv.slice(2));
} else {
  await runLoop();
}

async function runLoop() {
  const base = mkdtempSync(path.join(os.tmpdir(), 'segstudio-bench-loop-'));
  const datasetDir = path.join(base, 'camvid');
  const projectDir = path.join(base, 'project');
  mkdirSync(datasetDir);
  const services = product.createAppServices(product.createServeHost(path.join(base, 'data')));
  const ended = new Map();
  const endWaiters = [];
  services.events.addSink((channel, payload) => {
    if (channel === 'training@epoch') {
      say(
        `    ${payload.runName} epoch ${payload.epoch}: val mIoU ${payload.mIoU === null ? '-' : (payload.mIoU * 100).toFixed(1)}%`,
      );
    }
    if (channel !== 'training@state' || !['finished', 'stopped', 'crashed'].includes(payload.state))
      return;
    ended.set(payload.runName, payload);
    for (const w of endWaiters.splice(0)) w();
  });
  async function call(channel, payload = {}) {
    const result = await services.dispatcher.dispatch(channel, payload, { clientId: 'bench-loop' });
    if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
    return result.value;
  }
  async function untilEnded(runName) {
    while (!ended.has(runName)) await new Promise((resolve) => endWaiters.push(resolve));
    const summary = ended.get(runName);
    if (summary.state !== 'finished')
      throw new Error(`run ${runName} ended ${summary.state}: ${summary.message ?? ''}`);
    return summary;
  }

  let output;
  try {
    say(`CamVid ${CAMVID} -> ${base}`);
    const noisy = await stage('copy', 'copy CamVid', () => copyCamvid(datasetDir));
    await stage('open', 'open dataset', () =>
      call('project:openDataset', { datasetDir, projectDir }),
    );

    let source;
    if (values.run) {
      source = path.basename(path.resolve(values.run));
      await stage('import_run', 'import run', async () => {
        const dir = path.join(projectDir, 'runs', source);
        cpSync(path.resolve(values.run), dir, { recursive: true });
        // The copy evaluates and fine-tunes on this project's dataset copy and labels.
        const runFile = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'));
        runFile.dataset = {
          ...runFile.dataset,
          root: datasetDir,
          labelsDir: path.join(projectDir, 'labels'),
        };
        writeFileSync(path.join(dir, 'run.json'), JSON.stringify(runFile, null, 2));
      });
    } else {
      source = 'loop-source';
      const [width, height] = [Number(size[1]), Number(size[2])];
      await stage('train_source', `train source (${opts.epochs} ep)`, async () => {
        await call('training:start', {
          runName: source,
          width,
          height,
          batch: opts.batch,
          epochs: opts.epochs,
        });
        await untilEnded(source);
      });
    }

    const split = values.split;
    const before = await stage('evaluate', `evaluate on ${split}`, () =>
      call('evaluation:evaluate', { runName: source, split }),
    );
    const failures = product.pickFailures(before.perImage, { count: opts.fixes, gap: 0 });
    const saved = await stage('fix', `fix ${failures.length} failure cases`, async () => {
      const results = [];
      for (const id of failures) {
        const loaded = await call('labels:load', { split, id });
        const mask = await originalMask(split, id);
        results.push(
          await call('labels:save', {
            split,
            id,
            baseRevision: loaded.revision,
            mask,
            state: 'labeled',
          }),
        );
      }
      return results;
    });
    const status = await call('labels:status', { split });
    const fixedNow = status.samples.filter(
      (s) => failures.includes(s.id) && s.edited && s.state === 'labeled',
    );
    if (fixedNow.length !== failures.length)
      throw new Error(
        `only ${fixedNow.length} of ${failures.length} fixes show as edited and labeled`,
      );

    const tuned = `${source}-ft`;
    await stage('fine_tune', `fine-tune (${opts.ftEpochs} ep)`, async () => {
      await call('training:fineTune', { sourceRun: source, runName: tuned, epochs: opts.ftEpochs });
      await untilEnded(tuned);
    });
    const compareSplit = values['compare-split'];
    const [a, b] = await stage('re_evaluate', `re-evaluate both on ${compareSplit}`, async () => [
      await call('evaluation:evaluate', { runName: source, split: compareSplit }),
      await call('evaluation:evaluate', { runName: tuned, split: compareSplit }),
    ]);
    const comparison = await stage('compare', 'compare', () => product.compareReports(a, b));

    const settings = await call('training:settings', { runName: source });
    const loop = stages.filter((s) => LOOP_STAGES.includes(s.key));
    const sum = (key) => loop.reduce((n, s) => n + s[key], 0);
    const pct = (v) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
    say('');
    say(`${'stage'.padEnd(32)} ${'wall s'.padStart(8)} ${'CPU s'.padStart(8)}`);
    for (const s of stages)
      say(`${s.stage.padEnd(32)} ${s.wall.toFixed(1).padStart(8)} ${s.cpu.toFixed(1).padStart(8)}`);
    say(
      `${'loop (evaluate .. compare)'.padEnd(32)} ${sum('wall').toFixed(1).padStart(8)} ${sum('cpu').toFixed(1).padStart(8)}`,
    );
    say('');
    say(
      `fixed: ${failures.join(', ')} (${failures.filter((id) => noisy.includes(id)).length} of them had the injected label noise; noisy: ${noisy.join(', ') || 'none'})`,
    );
    say(`mask saves: ${saved.map((s) => `${Math.round(s.millis)} ms`).join(', ')}`);
    say(
      `source run ${source}: ${settings.width}x${settings.height}, ${settings.epochs ?? '-'} epochs, batch ${settings.batch}; fine-tune ${tuned}: ${opts.ftEpochs} epochs from its best checkpoint`,
    );
    say(
      `${compareSplit} mIoU: ${source} ${pct(comparison.mIoU.a)} -> ${tuned} ${pct(comparison.mIoU.b)} (${comparison.improved} classes up, ${comparison.worsened} down)`,
    );
    const round = (v, d = 2) => (v === null ? null : Math.round(v * 10 ** d) / 10 ** d);
    output = {
      benchmark: 'label-loop',
      // The source run's own settings (an imported run's too); the fine-tune takes them over.
      size: `${settings.width}x${settings.height}`,
      source_epochs: settings.epochs,
      fine_tune_epochs: opts.ftEpochs,
      samples: { train: listOf(datasetDir, 'train').length, val: listOf(datasetDir, 'val').length },
      stages: Object.fromEntries(
        stages.map((s) => [s.key, { wall_s: round(s.wall), cpu_s: round(s.cpu) }]),
      ),
      loop_wall_s: round(sum('wall')),
      loop_cpu_s: round(sum('cpu')),
      fixed: failures.length,
      fixed_with_noise: failures.filter((id) => noisy.includes(id)).length,
      save_ms: saved.map((s) => Math.round(s.millis)),
      miou_source: round(comparison.mIoU.a, 4),
      miou_fine_tuned: round(comparison.mIoU.b, 4),
      miou_delta: round(comparison.mIoU.delta, 4),
      cpus: os.cpus().length,
      load: round(os.loadavg()[0]),
    };
  } finally {
    await services.dispose();
    if (!values.keep) rmSync(base, { recursive: true, force: true });
    else say(`kept ${base}`);
  }
  console.log(JSON.stringify(output));
}
