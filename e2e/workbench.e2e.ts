import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, screenshot, startServe, stop, type ServeHandle } from './harness';

// The workbench as a user drives it, in serve mode: open a CamVid copy, inspect classes,
// browse and filter, hover a mask, train/pause/resume/stop, evaluate, export, reload via CLI.

const CAMVID = '/work/shared/datasets/camvid';
const TRAIN_COUNT = 24;
const VAL_COUNT = 8;

/**
 * Copies the list files, labels.json and a subset of images. List lines are kept verbatim
 * (absolute paths from another machine) so the importer's re-rooting is exercised.
 */
function copyCamvidSubset(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-e2e-camvid-'));
  copyFileSync(path.join(CAMVID, 'labels.json'), path.join(dir, 'labels.json'));
  for (const [split, count] of [
    ['train', TRAIN_COUNT],
    ['val', VAL_COUNT],
  ] as const) {
    mkdirSync(path.join(dir, split));
    mkdirSync(path.join(dir, `${split}annot`));
    const lines = readFileSync(path.join(CAMVID, `${split}.txt`), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .slice(0, count);
    for (const line of lines) {
      const [image, annotation] = line.trim().split(/\s+/);
      copyFileSync(
        path.join(CAMVID, split, path.basename(image!)),
        path.join(dir, split, path.basename(image!)),
      );
      copyFileSync(
        path.join(CAMVID, `${split}annot`, path.basename(annotation!)),
        path.join(dir, `${split}annot`, path.basename(annotation!)),
      );
    }
    writeFileSync(path.join(dir, `${split}.txt`), `${lines.join('\n')}\n`);
  }
  return dir;
}

let datasetDir: string;
let serve: ServeHandle;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  datasetDir = copyCamvidSubset();
  serve = await startServe();
  ({ page } = await openBrowser(serve.url));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.getByTestId('nav-start').waitFor();
});

afterAll(async () => {
  await stop();
  rmSync(datasetDir, { recursive: true, force: true });
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

    // Bicyclist is rare: the filtered list must be non-empty and smaller than the whole set.
    await page.getByTestId('filter-class').selectOption({ label: 'Contains Bicyclist' });
    await expect
      .poll(
        async () => {
          const text = await page.getByTestId('sample-count').innerText();
          return /^\d+ samples/.test(text) ? countOf(text) : Number.POSITIVE_INFINITY;
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
