// The workbench as a user drives it, in serve mode: open a CamVid copy, inspect classes,
// browse and filter, hover a mask, train/pause/resume/stop, evaluate, export, reload via CLI.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyCamvidSubset } from '../tests/support/datasets';
import {
  openBrowser,
  openTrainForm,
  repoRoot,
  screenshot,
  startEvaluation,
  startServe,
  startTinyRun,
  stop,
  type ServeHandle,
} from './harness';

const TRAIN_COUNT = 24;
const VAL_COUNT = 8;
const RUN = 'e2e-run';

let datasetDir: string;
let dataDir: string;
let serve: ServeHandle;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  datasetDir = copyCamvidSubset({ train: TRAIN_COUNT, val: VAL_COUNT }, 'e2e-camvid');
  // Our own data dir, so projects and runs survive the host restart below.
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-e2e-data-'));
  serve = await startServe({ dataDir });
  ({ page } = await openBrowser(serve.url));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.getByTestId('nav-start').waitFor();
});

afterAll(async () => {
  await stop();
  rmSync(datasetDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

async function shot(name: string): Promise<void> {
  // Let images decode and charts draw before the picture is taken.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForTimeout(300);
  await screenshot(page, `workbench-${name}`);
}

async function waitForText(testid: string, pattern: RegExp, timeout = 60_000): Promise<string> {
  const locator = page.getByTestId(testid);
  await expect.poll(async () => (await locator.innerText()).trim(), { timeout }).toMatch(pattern);
  return (await locator.innerText()).trim();
}

/** Number in a label like "1,234 samples"; NaN while it still says "Loading…". */
function countOf(text: string): number {
  const digits = text.replace(/[^\d]/g, '');
  return digits ? Number(digits) : Number.NaN;
}

describe('workbench: dataset views', () => {
  it('opens the CamVid copy with its format detected and the class table filled', async () => {
    // A failed call says what failed and names the folder.
    const missing = path.join(datasetDir, 'does-not-exist');
    await page.getByTestId('dataset-path').fill(missing);
    await page.getByTestId('detect-format').click();
    const toast = page.getByTestId('toast-error').first();
    await toast.waitFor();
    expect(await toast.innerText()).toContain('Detecting the dataset format failed');
    expect(await toast.innerText()).toContain('does-not-exist');
    // The toast sits in its tray under the page: it covers none of the page's controls.
    const toastBox = (await toast.boundingBox())!;
    const pageBox = (await page.locator('main.content').boundingBox())!;
    expect(toastBox.y).toBeGreaterThanOrEqual(pageBox.y + pageBox.height);
    await toast.getByRole('button', { name: 'Dismiss' }).click();

    await page.getByTestId('dataset-path').fill(datasetDir);
    await page.getByTestId('detect-format').click();
    await waitForText('detected-format', /pair-list/);
    expect(await page.getByTestId('format-select').inputValue()).toBe('pair-list');
    await shot('start');

    await page.getByTestId('open-dataset').click();
    await page.getByTestId('class-table').waitFor();
    await waitForText('split-train', /24/);
    await waitForText('split-val', /8/);
    const rows = page.locator('[data-testid^="class-row-"]');
    await expect.poll(() => rows.count()).toBe(12);
    const names = await page
      .getByTestId('class-name')
      .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(names.slice(0, 3)).toEqual(['Sky', 'Building', 'Pole']);
    expect(names).toContain('Unlabelled');
    expect(await page.getByTestId('class-row-11').locator('input[type=checkbox]').isChecked()).toBe(
      true,
    );

    // Renaming and recolouring a class changes the project, never the user's labels.json.
    const labelsBefore = readFileSync(path.join(datasetDir, 'labels.json'));
    const sky = page.getByTestId('class-row-0');
    await sky.getByTestId('class-name').fill('Sky (clear)');
    await sky.getByTestId('class-name').press('Enter');
    await sky.locator('input[type=color]').evaluate((el) => {
      const input = el as HTMLInputElement;
      input.value = '#3366ff';
      input.dispatchEvent(new Event('change'));
    });
    await waitForText('class-save-state', /All changes saved/);
    await page.reload();
    await page.getByTestId('class-table').waitFor();
    await expect
      .poll(() => page.getByTestId('class-row-0').getByTestId('class-name').inputValue())
      .toBe('Sky (clear)');
    expect(await page.getByTestId('class-row-0').locator('input[type=color]').inputValue()).toBe(
      '#3366ff',
    );
    expect(readFileSync(path.join(datasetDir, 'labels.json')).equals(labelsBefore)).toBe(true);

    await page.getByTestId('compute-stats').click();
    await expect
      .poll(() => page.getByTestId('class-row-0').innerText(), { timeout: 60_000 })
      .toMatch(/\d+\.\d%/);
    await shot('dataset');
  });

  it('browses, filters and navigates the grid with the keyboard', async () => {
    await page.getByTestId('nav-browse').click();
    await page.getByTestId('thumb').first().waitFor();
    expect(countOf(await waitForText('sample-count', /samples/))).toBe(TRAIN_COUNT + VAL_COUNT);
    await expect.poll(() => page.getByTestId('thumb').count()).toBe(TRAIN_COUNT + VAL_COUNT);
    await shot('browse');

    await page.getByTestId('filter-split').selectOption('val');
    await waitForText('sample-count', new RegExp(`^${VAL_COUNT} samples`));
    await page.getByTestId('filter-split').selectOption('');
    await waitForText('sample-count', new RegExp(`^${TRAIN_COUNT + VAL_COUNT} samples`));

    // Search filters as you type (no Enter, the box keeps focus); emptying it shows all again.
    const selected = await page.getByTestId('selected-sample').innerText();
    const id = selected.trim().split('/').pop()!;
    await page.getByTestId('filter-search').pressSequentially(id);
    await waitForText('sample-count', /^1 sample$/);
    await page.getByTestId('filter-search').fill('');
    await waitForText('sample-count', new RegExp(`^${TRAIN_COUNT + VAL_COUNT} samples`));

    // Bicyclist is rare: the filtered list must be non-empty and smaller than the whole set.
    await page.getByTestId('filter-class').selectOption({ label: 'Contains Bicyclist' });
    await expect
      .poll(
        async () => {
          const text = await page.getByTestId('sample-count').innerText();
          return /^\d+ samples?/.test(text) ? countOf(text) : Number.POSITIVE_INFINITY;
        },
        { timeout: 60_000 },
      )
      .toBeLessThan(TRAIN_COUNT + VAL_COUNT);
    const withBicyclist = countOf(await page.getByTestId('sample-count').innerText());
    expect(withBicyclist).toBeGreaterThan(0);
    await page.getByTestId('filter-class').selectOption({ label: 'Any class' });
    await waitForText('sample-count', new RegExp(`^${TRAIN_COUNT + VAL_COUNT} samples`));

    await page.getByTestId('filter-problem').check();
    await waitForText('sample-count', /^0 samples/);
    await page.getByTestId('filter-problem').uncheck();
    await waitForText('sample-count', new RegExp(`^${TRAIN_COUNT + VAL_COUNT} samples`));

    const grid = page.getByTestId('thumb-grid');
    await grid.focus();
    const first = await waitForText('selected-sample', /train\//);
    await page.keyboard.press('ArrowRight');
    const second = await waitForText('selected-sample', /train\//);
    expect(second).not.toBe(first);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByTestId('sample-stage').waitFor();
    expect(await page.getByTestId('sample-title').innerText()).toMatch(/^train\//);
  });

  it('shows a sample with the class under the cursor, zoom and next/previous', async () => {
    const image = page.getByTestId('layer-image');
    await image.waitFor();
    await expect.poll(() => page.locator('[data-testid="layer-gt"] img').count()).toBe(1);
    const box = (await image.boundingBox())!;
    // Lower middle of a CamVid frame is road or car, never void for long.
    await expect
      .poll(
        async () => {
          await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8);
          return page.getByTestId('hover-gt').innerText();
        },
        { timeout: 15_000 },
      )
      .toMatch(/#\d+/);
    expect(await page.getByTestId('hover-xy').innerText()).toMatch(/x \d+, y \d+/);
    await shot('sample');

    await page.mouse.wheel(0, -400);
    await expect
      .poll(() => page.getByTestId('sample-stage').getAttribute('data-scale'))
      .not.toBe('1');
    const before = await page.getByTestId('sample-title').innerText();
    await page.getByTestId('next-sample').click();
    await expect.poll(() => page.getByTestId('sample-title').innerText()).not.toBe(before);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('sample-title').innerText()).toBe(before);

    await page.getByTestId('mode-overlay').click();
    await page.getByTestId('opacity').fill('0.8');
    await shot('sample-overlay');
    expect(pageErrors).toEqual([]);
  });
});

describe('workbench: train, evaluate, export', () => {
  it('trains a tiny run with live charts, pause, checkpoint, resume and stop', async () => {
    // Preset defaults load from the service before the form is edited.
    await openTrainForm(page);
    await page.getByTestId('train-runName').fill('bad name!');
    await waitForText('error-runName', /letters, digits/);
    expect(await page.getByTestId('train-start').isDisabled()).toBe(true);
    // Enough epochs that Pause lands mid-run; the run is stopped long before it ends.
    await startTinyRun(page, { name: RUN, epochs: 40 });

    await waitForText('run-state', /running/, 120_000);
    const points = async () => countOf(await page.getByTestId('loss-points').innerText());
    await expect.poll(points, { timeout: 120_000 }).toBeGreaterThan(0);
    const early = await points();
    await expect.poll(points, { timeout: 60_000 }).toBeGreaterThan(early);
    await waitForText('img-per-sec', /\d+\.\d/);
    await shot('train-running');

    await page.getByTestId('train-pause').click();
    await waitForText('run-state', /^paused$/, 120_000);
    await page.getByTestId('checkpoint-last').waitFor({ timeout: 30_000 });
    await shot('train-paused');

    const pausedAt = await points();
    await page.getByTestId('train-resume').click();
    await waitForText('run-state', /running/, 120_000);
    await expect.poll(points, { timeout: 120_000 }).toBeGreaterThan(pausedAt);
    // Let at least one epoch finish so the validation chart and a best checkpoint exist.
    await expect
      .poll(() => page.locator('[data-testid="checkpoint-best"]').count(), { timeout: 180_000 })
      .toBe(1);
    await page.getByTestId('train-stop').click();
    await waitForText('run-state', /^stopped$/, 120_000);
    await shot('train');
  });

  it('evaluates the run: summary, per-class IoU, confusion matrix, worst cases', async () => {
    await startEvaluation(page, { run: RUN, split: 'val', from: 'last' });
    await waitForText('card-miou', /\d+\.\d%/, 180_000);
    await waitForText('card-pixacc', /\d+\.\d%/);
    await waitForText('card-classacc', /\d+\.\d%|—/);
    await expect.poll(() => page.locator('[data-testid^="iou-row-"]').count()).toBe(11);
    // Sorting by name puts Bicyclist first whatever the scores.
    await page.getByTestId('sort-name').click();
    expect(await page.locator('[data-testid^="iou-row-"]').first().innerText()).toMatch(
      /Bicyclist/,
    );
    await page.getByTestId('confusion-canvas').hover({ position: { x: 10, y: 10 } });
    await waitForText('confusion-tip', /px/);
    await page.getByTestId('failure-case-0').locator('img').first().waitFor();
    await shot('evaluate');

    const worst = await page.getByTestId('failure-case-0').getAttribute('data-sample');
    await page.getByTestId('failure-case-0').scrollIntoViewIfNeeded();
    await page.getByTestId('failure-case-0').click();
    await waitForText('sample-title', new RegExp(`val/${worst}`));
    await page.getByTestId('layer-gt').waitFor();
  });

  it('shows the prediction of the worst case with the predicted class under the cursor', async () => {
    await page.locator('[data-testid="layer-pred"] img').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="layer-error"] img').waitFor();
    const box = (await page.getByTestId('layer-image').boundingBox())!;
    await expect
      .poll(async () => {
        await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.75);
        return page.getByTestId('hover-pred').innerText();
      })
      .toMatch(/#\d+/);
    await waitForText('hover-verdict', /^(correct|wrong|void)$/i);
    await shot('sample-prediction');
    // The failure cases show the same prediction next to the truth.
    await page.getByTestId('nav-evaluate').click();
    await expect
      .poll(() => page.getByTestId('failure-case-0').locator('img').count(), { timeout: 30_000 })
      .toBe(4);
    await page.getByTestId('failure-cases').scrollIntoViewIfNeeded();
    await shot('evaluate-failures');
  });

  it('browses by per-image IoU of the evaluated run, worst first', async () => {
    await page.getByTestId('nav-browse').click();
    await page.getByTestId('filter-split').selectOption('val');
    await page.getByTestId('filter-run').selectOption(RUN);
    await page.getByTestId('sort').selectOption('iou-asc');
    await waitForText('sample-count', new RegExp(`^${VAL_COUNT} samples`));
    const first = page.getByTestId('thumb').first();
    await expect.poll(() => first.locator('.iou').count()).toBe(1);
    const ious = await page
      .locator('[data-testid="thumb"] .iou')
      .evaluateAll((els) => els.map((e) => parseFloat(e.textContent ?? '')));
    expect(ious).toHaveLength(VAL_COUNT);
    expect([...ious].sort((a, b) => a - b)).toEqual(ious);
    await page.getByTestId('filter-iou').selectOption('lt25');
    await expect
      .poll(async () => countOf(await page.getByTestId('sample-count').innerText()))
      .toBe(ious.filter((v) => v < 25).length);
    await shot('browse-iou');
    await page.getByTestId('filter-run').selectOption('');
    await page.getByTestId('filter-split').selectOption('');
  });

  it('exports the weights and loads them back through the CLI', async () => {
    await page.getByTestId('nav-export').click();
    await page.getByTestId('pick-run').selectOption(RUN);
    await page.getByTestId('pick-checkpoint').selectOption('last');
    // No evaluation on train: the metrics card says so and what to do, and cannot export.
    await page.getByTestId('pick-split').selectOption('train');
    await waitForText(
      'export-metrics-description',
      /no evaluation on train yet: evaluate it first/,
    );
    expect(await page.getByTestId('export-metrics-run').isDisabled()).toBe(true);
    expect(await page.getByTestId('export-metrics-evaluate').getAttribute('href')).toMatch(
      /evaluate\?run=.*split=train/,
    );
    // The archive is a browser download in serve mode...
    await page.getByTestId('model-archive').check();
    await page.getByTestId('export-model-run').click();
    const download = page.getByTestId('export-model-download');
    await download.waitFor({ timeout: 120_000 });
    const href = (await download.getAttribute('href'))!;
    expect(href).toMatch(/^\/media\/.*\.zip$/);
    const response = await page.request.get(new URL(href, serve.origin).toString());
    expect(response.status()).toBe(200);
    expect((await response.body()).subarray(0, 2).toString()).toBe('PK');

    // ...the folder stays on the server, where the CLI can load it.
    await page.getByTestId('model-folder').check();
    await page.getByTestId('export-model-run').click();
    await waitForText('export-model-result', /folder on the server/, 120_000);

    // Predicted masks of the val split (a zip) and the metrics as CSV, both downloadable.
    await page.getByTestId('pick-split').selectOption('val');
    await waitForText('export-metrics-description', /latest evaluation of .* on val \(last/);
    await page.getByTestId('export-predictions-run').click();
    const masks = page.getByTestId('export-predictions-download');
    await masks.waitFor({ timeout: 120_000 });
    expect(await masks.getAttribute('href')).toMatch(/\.zip$/);
    await page.getByTestId('export-metrics-run').click();
    const csvLink = page.getByTestId('export-metrics-download');
    await csvLink.waitFor({ timeout: 60_000 });
    const csv = await page.request.get(
      new URL((await csvLink.getAttribute('href'))!, serve.origin).toString(),
    );
    const csvText = await csv.text();
    expect(csvText.split('\n')[0]).toMatch(/class/);
    expect(csvText).toContain('Bicyclist');

    // Predicted masks for a folder of images on the server (here the copy's val images).
    await page.getByTestId('predict-source-folder').check({ force: true });
    await page.getByTestId('predict-folder').fill(path.join(datasetDir, 'val'));
    await page.getByTestId('export-predictions-run').click();
    await waitForText('export-predictions-result', /-folder-val-masks\.zip/, 120_000);
    await shot('export');

    const exported = await page
      .getByTestId('export-model-result')
      .locator('[title]')
      .first()
      .getAttribute('title');
    expect(exported).toBeTruthy();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        path.join(repoRoot, 'bin', 'segstudio.cjs'),
        'eval',
        exported!,
        '--dataset',
        datasetDir,
        '--json',
      ],
      { cwd: repoRoot, timeout: 180_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const last = stdout.trim().split('\n').pop()!;
    const result = JSON.parse(last) as { mIoU?: unknown };
    expect(typeof result.mIoU === 'number' || result.mIoU === null).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});

describe('workbench: host restart', () => {
  it('shows a run interrupted by a host restart as paused, and resumes it', async () => {
    await openTrainForm(page);
    await startTinyRun(page, { name: 'e2e-restart', epochs: 40 });
    await waitForText('run-state', /running/, 120_000);
    const points = async () => countOf(await page.getByTestId('loss-points').innerText());
    await expect.poll(points, { timeout: 120_000 }).toBeGreaterThan(1);

    await serve.stop();
    serve = await startServe({ dataDir });
    await page.goto(serve.url);
    await page.getByTestId('recent-projects').locator('button').first().click();
    await page.getByTestId('class-table').waitFor();
    await page.getByTestId('nav-train').click();
    await page.getByTestId('run-e2e-restart').click();
    await waitForText('run-state', /^paused$/, 60_000);
    await page.getByTestId('checkpoint-last').waitFor({ timeout: 30_000 });
    const restored = await points();
    expect(restored).toBeGreaterThan(0);
    await shot('train-after-restart');

    await page.getByTestId('train-resume').click();
    await waitForText('run-state', /running/, 120_000);
    await expect.poll(points, { timeout: 120_000 }).toBeGreaterThan(restored);
    await page.getByTestId('train-stop').click();
    await waitForText('run-state', /^stopped$/, 120_000);
    expect(pageErrors).toEqual([]);
  });
});

describe('workbench: first launch', () => {
  it('opens the bundled sample project from the Start view', async () => {
    await page.getByTestId('nav-start').click();
    await page.getByTestId('open-sample').click();
    await page.getByTestId('class-table').waitFor();
    await waitForText('dataset-format', /\w/);
    expect(await page.getByTestId('topbar-project').innerText()).not.toMatch(/camvid/i);
    await expect.poll(() => page.locator('[data-testid^="class-row-"]').count()).toBeGreaterThan(1);
    await page.getByTestId('nav-browse').click();
    await page.getByTestId('thumb').first().waitFor();
    await shot('sample-project-browse');
    expect(pageErrors).toEqual([]);
  });
});
