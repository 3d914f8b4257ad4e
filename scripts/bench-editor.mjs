// Mask editor benchmark in Chromium (serve mode, like the e2e tests): painting a stroke on a
// 4096x3072 mask (frame times from requestAnimationFrame timestamps while the stroke is
// drawn), saving a 4096x3072 mask (the save-state chip's saving -> saved), and opening a
// CamVid-size sample in the editor (route change to mask drawn).
// Usage: node scripts/bench-editor.mjs [--runs N]   (needs `npm run build` and chromium)
// Prints a table, then one JSON line.
/* global window, document, location, requestAnimationFrame, MutationObserver */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import sharp from 'sharp';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({ options: { runs: { type: 'string' } } });
const RUNS = Number(values.runs ?? 5);
// CamVid as the tests find it: SEGSTUDIO_SHARED_DIR, else the shared/ folder beside the checkout.
const CAMVID = [
  process.env['SEGSTUDIO_SHARED_DIR'] &&
    path.join(process.env['SEGSTUDIO_SHARED_DIR'], 'datasets', 'camvid'),
  path.resolve(root, '..', 'shared', 'datasets', 'camvid'),
].find((d) => d && existsSync(path.join(d, 'train.txt')));
if (!CAMVID)
  throw new Error(
    'CamVid not found: set SEGSTUDIO_SHARED_DIR to the folder holding datasets/camvid',
  );
const CAMVID_IDS = ['0001TP_006690', '0001TP_006720'];
const BIG = { width: 4096, height: 3072 };

for (const file of ['out/main/cli.cjs', 'out/renderer/index.html']) {
  if (!existsSync(path.join(root, file))) throw new Error(`${file} is missing: run npm run build`);
}
const chromiumPath = process.env.SEGSTUDIO_CHROMIUM ?? '/usr/bin/chromium';

/** A pair-list dataset: two CamVid frames as they are, and one upscaled to 4096x3072. */
async function makeDataset() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-bench-editor-'));
  copyFileSync(path.join(CAMVID, 'labels.json'), path.join(dir, 'labels.json'));
  mkdirSync(path.join(dir, 'train'));
  mkdirSync(path.join(dir, 'trainannot'));
  const lines = [];
  for (const id of CAMVID_IDS) {
    copyFileSync(path.join(CAMVID, 'train', `${id}.png`), path.join(dir, 'train', `${id}.png`));
    copyFileSync(
      path.join(CAMVID, 'trainannot', `${id}.png`),
      path.join(dir, 'trainannot', `${id}.png`),
    );
    lines.push(`/x/train/${id}.png /x/trainannot/${id}.png`);
  }
  const src = CAMVID_IDS[0];
  await sharp(path.join(CAMVID, 'train', `${src}.png`))
    .resize(BIG.width, BIG.height, { kernel: 'lanczos3' })
    .png({ compressionLevel: 1 })
    .toFile(path.join(dir, 'train', 'big.png'));
  await sharp(path.join(CAMVID, 'trainannot', `${src}.png`))
    .extractChannel(0)
    .resize(BIG.width, BIG.height, { kernel: 'nearest' })
    .toColourspace('b-w')
    .png()
    .toFile(path.join(dir, 'trainannot', 'big.png'));
  lines.push('/x/train/big.png /x/trainannot/big.png');
  writeFileSync(path.join(dir, 'train.txt'), `${lines.join('\n')}\n`);
  return dir;
}

function startServe(datasetDir, dataDir) {
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin', 'segstudio.cjs'), 'serve', datasetDir, '--port', '0', '--no-open'],
    {
      cwd: root,
      env: { ...process.env, SEGSTUDIO_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL:\n${output}`)), 60_000);
    const onData = (d) => {
      output += d.toString();
      const m = /(http:\/\/\S+\/\?token=[A-Za-z0-9_-]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (output += d.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

/** Navigates to the editor on split/id and resolves with ms until its mask is drawn. */
async function openSample(page, id) {
  return page.evaluate(async (target) => {
    const started = performance.now();
    location.hash = `#/label/train/${encodeURIComponent(target)}`;
    for (;;) {
      await new Promise((r) => requestAnimationFrame(r));
      const el = document.querySelector('[data-testid=label-editor]');
      if (el && el.getAttribute('data-loaded') === `train/${target}`) break;
      if (performance.now() - started > 60_000) throw new Error(`editor did not open ${target}`);
    }
    // The frame after the mask was installed is the first one showing it.
    await new Promise((r) => requestAnimationFrame(r));
    return performance.now() - started;
  }, id);
}

async function saveState(page) {
  return page.getByTestId('save-state').getAttribute('data-state');
}

async function waitSaved(page) {
  for (let i = 0; i < 600; i++) {
    if ((await saveState(page)) === 'saved') return;
    await page.waitForTimeout(100);
  }
  throw new Error(`save did not finish: ${await saveState(page)}`);
}

/** Records the time of every data-state change of the save chip. */
async function watchSaves(page) {
  await page.getByTestId('save-state').evaluate((el) => {
    window.__saves = [];
    new MutationObserver(() =>
      window.__saves.push([el.getAttribute('data-state'), performance.now()]),
    ).observe(el, { attributes: true, attributeFilter: ['data-state'] });
  });
}

async function lastSaveMillis(page) {
  const events = await page.evaluate(() => window.__saves);
  const end = events.findLastIndex(([s]) => s === 'saved');
  const start = events.findLastIndex(([s], i) => s === 'saving' && i < end);
  return end > 0 && start >= 0 ? events[end][1] - events[start][1] : NaN;
}

async function main() {
  const datasetDir = await makeDataset();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-bench-editor-data-'));
  const { url, child } = await startServe(datasetDir, dataDir);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    // Round trip of each labels:save call on the WebSocket (request sent -> reply received).
    const saveCalls = new Map();
    const saveTrips = [];
    page.on('websocket', (ws) => {
      ws.on('framesent', (f) => {
        const m = JSON.parse(String(f.payload));
        if (m.channel === 'labels:save') saveCalls.set(m.id, performance.now());
      });
      ws.on('framereceived', (f) => {
        const m = JSON.parse(String(f.payload));
        if (m.type === 'result' && saveCalls.has(m.id)) {
          saveTrips.push(performance.now() - saveCalls.get(m.id));
          saveCalls.delete(m.id);
        }
      });
    });
    await page.goto(url);
    await page.getByTestId('nav-start').waitFor();

    // Opening at CamVid size: alternate between two frames (first open warms caches).
    await openSample(page, CAMVID_IDS[1]);
    const opens = [];
    for (let r = 0; r < RUNS * 2; r++) opens.push(await openSample(page, CAMVID_IDS[r % 2]));

    // Painting on 4096x3072.
    const bigOpen = await openSample(page, 'big');
    await page.getByTestId('class-option-4').click();
    await page.getByTestId('tool-brush').click();
    await page.getByTestId('brush-size').fill('60');
    const box = await page.getByTestId('editor-canvas').boundingBox();
    const frames = [];
    for (let r = 0; r < RUNS; r++) {
      await page.evaluate(() => {
        window.__frames = [];
        window.__recording = true;
        const tick = (t) => {
          window.__frames.push(t);
          if (window.__recording) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      const y0 = box.y + box.height * (0.2 + 0.12 * r);
      await page.mouse.move(box.x + box.width * 0.05, y0);
      await page.mouse.down();
      // A zig-zag across the whole width: long segments, so each frame paints a lot.
      for (let k = 1; k <= 120; k++) {
        const x = box.x + box.width * (0.05 + (0.9 * k) / 120);
        const y = y0 + (k % 2 ? 1 : -1) * box.height * 0.05;
        await page.mouse.move(x, y);
      }
      await page.mouse.up();
      const t = await page.evaluate(() => {
        window.__recording = false;
        return window.__frames;
      });
      for (let i = 1; i < t.length; i++) frames.push(t[i] - t[i - 1]);
      await waitSaved(page);
    }

    // Saving a 4096x3072 mask: replace one class everywhere (a whole-mask change).
    await watchSaves(page);
    const saves = [];
    const hostSaves = [];
    saveTrips.length = 0;
    for (let r = 0; r < RUNS; r++) {
      await page.getByTestId('class-option-' + (r % 2 ? 4 : 3)).click();
      await page.getByTestId('tool-replace').click();
      // Bottom centre of a CamVid street frame is road (3) or, after a swap, pavement (4).
      const p = { x: box.x + box.width * 0.5, y: box.y + box.height * 0.93 };
      await page.mouse.click(p.x, p.y);
      await waitSaved(page);
      saves.push(await lastSaveMillis(page));
      hostSaves.push(
        Number(await page.getByTestId('label-editor').getAttribute('data-host-save-ms')),
      );
    }

    const result = {
      paint_frame_median_ms: +median(frames).toFixed(1),
      paint_frame_p95_ms: +percentile(frames, 95).toFixed(1),
      paint_frames: frames.length,
      save_4096x3072_median_ms: +median(saves).toFixed(0),
      save_4096x3072_call_median_ms: +median(saveTrips).toFixed(0),
      save_4096x3072_host_median_ms: +median(hostSaves).toFixed(0),
      open_camvid_median_ms: +median(opens).toFixed(0),
      open_4096x3072_ms: +bigOpen.toFixed(0),
    };
    console.log('| measure | value | target |');
    console.log('| --- | --- | --- |');
    console.log(
      `| paint frame median (4096x3072, ${frames.length} frames) | ${result.paint_frame_median_ms} ms | <= 16 ms |`,
    );
    console.log(`| paint frame p95 | ${result.paint_frame_p95_ms} ms | <= 33 ms |`);
    console.log(
      `| save 4096x3072 mask (median of ${saves.length}) | ${result.save_4096x3072_median_ms} ms | <= 300 ms |`,
    );
    console.log(
      `| of which the labels.save call (WebSocket round trip) | ${result.save_4096x3072_call_median_ms} ms | - |`,
    );
    console.log(
      `| of which the host (PNG encode + atomic write) | ${result.save_4096x3072_host_median_ms} ms | - |`,
    );
    console.log(
      `| open CamVid sample (median of ${opens.length}) | ${result.open_camvid_median_ms} ms | <= 300 ms |`,
    );
    console.log(`| open 4096x3072 sample | ${result.open_4096x3072_ms} ms | - |`);
    console.log(
      `cpus: ${os.cpus().length}, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log(JSON.stringify(result));
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    rmSync(datasetDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
