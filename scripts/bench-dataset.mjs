// Dataset indexing benchmark: builds (once, cached) a synthetic ADE20K-sized tree of 20,210
// small samples, then times `segstudio inspect` on it as a real CLI process.
// Usage: node scripts/bench-dataset.mjs [--deep] [--dir DIR] [--runs N]
//   default: header pass only (what opening a dataset costs); --deep also decodes every mask.
// Prints a table, then one JSON line with samples_per_s (the header pass, best run).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    deep: { type: 'boolean' },
    dir: { type: 'string' },
    runs: { type: 'string' },
  },
});
const SAMPLES = 20_210;
const VERSION = 2;
const treeDir =
  values.dir ?? path.join(os.tmpdir(), `segstudio-bench-ade20k-${SAMPLES}-v${VERSION}`);
const runs = Number(values.runs ?? 3);

function run(cmd, args) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (res.status !== 0) {
    process.stderr.write(res.stderr);
    throw new Error(`${cmd} ${args.join(' ')} exited with ${res.status}`);
  }
  return res.stdout;
}

/** Small but real files: 8 JPEG photos and 8 index masks, reused round-robin. */
async function makeVariants() {
  const photos = [];
  const masks = [];
  for (let v = 0; v < 8; v++) {
    const w = 64;
    const h = 48;
    const rgb = Buffer.alloc(w * h * 3);
    const ids = Buffer.alloc(w * h);
    for (let p = 0; p < w * h; p++) {
      rgb[p * 3] = (p * 7 + v * 31) & 0xff;
      rgb[p * 3 + 1] = (p * 3 + v * 17) & 0xff;
      rgb[p * 3 + 2] = (p + v * 5) & 0xff;
      ids[p] = ((Math.floor(p / w) >> 3) * 13 + v * 7) % 151; // 0..150, 0 = other (void)
    }
    photos.push(
      await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 70 })
        .toBuffer(),
    );
    // b-w: without it sharp writes single-channel input as an RGB PNG; masks are greyscale.
    masks.push(
      await sharp(ids, { raw: { width: w, height: h, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer(),
    );
  }
  return { photos, masks };
}

async function ensureTree() {
  const marker = path.join(treeDir, '.complete');
  if (existsSync(marker)) return { generated: false, seconds: 0 };
  const started = performance.now();
  rmSync(treeDir, { recursive: true, force: true });
  const base = path.join(treeDir, 'ADEChallengeData2016');
  const imageDir = path.join(base, 'images', 'training');
  const annotationDir = path.join(base, 'annotations', 'training');
  mkdirSync(imageDir, { recursive: true });
  mkdirSync(annotationDir, { recursive: true });
  const { photos, masks } = await makeVariants();
  for (let i = 1; i <= SAMPLES; i++) {
    const id = `ADE_train_${String(i).padStart(8, '0')}`;
    writeFileSync(path.join(imageDir, `${id}.jpg`), photos[i % photos.length]);
    writeFileSync(path.join(annotationDir, `${id}.png`), masks[i % masks.length]);
  }
  const names = ['Idx,Ratio,Train,Val,Name'];
  for (let c = 1; c <= 150; c++) names.push(`${c},0.001,100,10,class${c};alias`);
  writeFileSync(path.join(base, 'objectInfo150.csv'), `${names.join('\n')}\n`);
  writeFileSync(marker, new Date().toISOString());
  return { generated: true, seconds: (performance.now() - started) / 1000 };
}

function inspect(extra) {
  const started = performance.now();
  const stdout = run(process.execPath, [
    path.join(root, 'bin', 'segstudio.cjs'),
    'inspect',
    treeDir,
    '--json',
    ...extra,
  ]);
  const wall = (performance.now() - started) / 1000;
  const result = JSON.parse(stdout.trim().split('\n').at(-1));
  const usable = Object.values(result.splits).reduce((n, s) => n + s.usable, 0);
  return {
    wall,
    index: result.timing.seconds,
    samples: result.timing.samples,
    usable,
    problems: result.problems.length,
  };
}

run(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--no-renderer']);
const tree = await ensureTree();
const rows = [];
for (let r = 1; r <= runs; r++) rows.push({ pass: 'headers', run: r, ...inspect(['--quick']) });
if (values.deep) rows.push({ pass: 'headers+masks', run: 1, ...inspect([]) });

const pad = (s, n) => String(s).padStart(n);
console.log(
  `tree: ${treeDir} (${tree.generated ? `generated in ${tree.seconds.toFixed(1)}s` : 'cached'})`,
);
console.log(`cpus: ${os.cpus().length}, node ${process.version}`);
console.log(
  `${'pass'.padEnd(14)} ${pad('run', 3)} ${pad('samples', 8)} ${pad('usable', 8)} ${pad('index s', 8)} ${pad('wall s', 7)} ${pad('samples/s', 10)}`,
);
for (const row of rows) {
  console.log(
    `${row.pass.padEnd(14)} ${pad(row.run, 3)} ${pad(row.samples, 8)} ${pad(row.usable, 8)} ${pad(row.index.toFixed(2), 8)} ${pad(row.wall.toFixed(2), 7)} ${pad(Math.round(row.samples / row.index), 10)}`,
  );
}
const headerRuns = rows.filter((r) => r.pass === 'headers');
const best = headerRuns.reduce((a, b) => (b.index < a.index ? b : a));
const deepRow = rows.find((r) => r.pass === 'headers+masks');
console.log(
  JSON.stringify({
    benchmark: 'dataset-index',
    samples: best.samples,
    usable: best.usable,
    index_seconds: Math.round(best.index * 1000) / 1000,
    samples_per_s: Math.round(best.samples / best.index),
    wall_seconds_with_cli_startup: Math.round(best.wall * 1000) / 1000,
    ...(deepRow && { deep_samples_per_s: Math.round(deepRow.samples / deepRow.index) }),
    cpus: os.cpus().length,
  }),
);
