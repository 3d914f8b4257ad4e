/**
 * The loop in serve mode on a CamVid copy: train a tiny run, evaluate it, open the worst
 * failure case with Fix label, paint, saved, walk to the next failure case; then fine-tune
 * with the corrections and land on the comparison of the two runs.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMVID, copyCamvid, maskPixelOf } from './editor-support';
import { openBrowser, screenshot, startServe, stop, type ServeHandle } from './harness';

const BASE = 'loop-base';
const ROAD_RGB = [128, 64, 128];

let datasetDir: string;
let serve: ServeHandle;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  datasetDir = copyCamvid(6);
  serve = await startServe({ args: [datasetDir] });
  ({ page } = await openBrowser(serve.url));
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await stop();
  rmSync(datasetDir, { recursive: true, force: true });
});

const text = (testid: string) => page.getByTestId(testid).innerText();
const saveState = () => page.getByTestId('save-state').getAttribute('data-state');

async function shots(name: string): Promise<void> {
  await screenshot(page, `${name}-1440x900`);
  await page.setViewportSize({ width: 1280, height: 720 });
  await screenshot(page, `${name}-1280x720`);
  await page.setViewportSize({ width: 1440, height: 900 });
}

async function trainTinyRun(): Promise<void> {
  await page.goto(`${serve.origin}/#/train`);
  await page.getByTestId('train-form').waitFor();
  await expect.poll(() => page.getByTestId('train-width').inputValue()).not.toBe('');
  await page.getByTestId('train-runName').fill(BASE);
  await page.getByTestId('train-width').fill('64');
  await page.getByTestId('train-height').fill('48');
  await page.getByTestId('train-batch').fill('2');
  await page.getByTestId('train-epochs').fill('1');
  await page.getByTestId('train-start').click();
  await expect.poll(() => text('run-state'), { timeout: 240_000 }).toBe('finished');
}

describe('close the loop: failure case -> fix -> fine-tune -> compare', () => {
  let failureOrder: string[] = [];

  it('opens the worst failure case in the editor with Fix label, paints and saves', async () => {
    await trainTinyRun();
    await page.getByTestId('nav-evaluate').click();
    await page.getByTestId('pick-run').selectOption(BASE);
    await page.getByTestId('pick-split').selectOption('val');
    await page.getByTestId('evaluate').click();
    await page.getByTestId('failure-case-1').waitFor({ timeout: 180_000 });
    failureOrder = await page
      .locator('[data-testid^="failure-case-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-sample') ?? ''));
    expect(failureOrder.length).toBe(6);

    await page.getByTestId('fix-label-0').click();
    await page.waitForURL(new RegExp(`#/label/val/${failureOrder[0]}\\?`));
    expect(page.url()).toMatch(/queue=failures/);
    await expect.poll(saveState).toBe('saved');
    await expect.poll(() => text('queue-place')).toBe('failure case 1 / 6');

    // Paint road across row 100 (buildings and trees in CamVid frames, never road).
    const canvas = page.getByTestId('editor-canvas');
    await expect.poll(() => canvas.evaluate((c) => (c as HTMLCanvasElement).width)).toBe(480);
    expect((await maskPixelOf(page, 240, 100)).slice(0, 3)).not.toEqual(ROAD_RGB);
    await page.getByTestId('class-option-3').click();
    await page.getByTestId('tool-brush').click();
    await page.getByTestId('brush-size').fill('15');
    const box = (await canvas.boundingBox())!;
    const at = (x: number) => ({
      x: box.x + ((x + 0.5) / 480) * box.width,
      y: box.y + (100.5 / 360) * box.height,
    });
    await page.mouse.move(at(150).x, at(150).y);
    await page.mouse.down();
    await page.mouse.move(at(330).x, at(330).y, { steps: 12 });
    await page.mouse.up();
    expect((await maskPixelOf(page, 240, 100)).slice(0, 3)).toEqual(ROAD_RGB);
    await expect.poll(saveState, { timeout: 15_000 }).toBe('saved');
    await shots('loop-fix-label');

    // Next walks the failure cases in failure order, not by name.
    await page.getByTestId('queue-next').click();
    await page.waitForURL(new RegExp(`#/label/val/${failureOrder[1]}\\?`));
    await expect.poll(() => text('queue-place')).toBe('failure case 2 / 6');
    await page.getByTestId('queue-previous').click();
    await page.waitForURL(new RegExp(`#/label/val/${failureOrder[0]}\\?`));
    await expect.poll(saveState).toBe('saved');
    // The saved edit is what the editor shows on coming back.
    await expect
      .poll(async () => (await maskPixelOf(page, 240, 100)).slice(0, 3))
      .toEqual(ROAD_RGB);

    // Browse shows the sample as edited.
    await page.goto(`${serve.origin}/#/browse`);
    await page.getByTestId('filter-label-state').selectOption('edited');
    await expect.poll(() => text('sample-count')).toMatch(/^1 samples?$/);
    await expect.poll(() => page.getByTestId('label-badge').first().innerText()).toMatch(/edited/);
  });

  it('fine-tunes with the corrections and lands on the comparison of both runs', async () => {
    await page.getByTestId('nav-evaluate').click();
    await page.getByTestId('pick-run').selectOption(BASE);
    await page.getByTestId('pick-split').selectOption('val');
    await page.getByTestId('fine-tune').click();
    await expect.poll(() => page.getByTestId('fine-tune-name').inputValue()).toBe(`${BASE}-ft`);
    await page.getByTestId('fine-tune-epochs').fill('1');
    await page.getByTestId('fine-tune-start').click();
    await page.waitForURL(/#\/train/);
    await page.getByTestId('fine-tune-result').waitFor();
    expect(await text('fine-tune-result')).toMatch(new RegExp(`Fine-tuned from ${BASE}`));

    // When it finishes, the comparison opens and evaluates both runs on val.
    await page.waitForURL(/#\/evaluate\/compare\?/, { timeout: 240_000 });
    await page.getByTestId('compare-table').waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('compare-run-a').inputValue()).toBe(BASE);
    expect(await page.getByTestId('compare-run-b').inputValue()).toBe(`${BASE}-ft`);
    expect(await text('compare-miou-a')).toMatch(/\d+\.\d%/);
    expect(await text('compare-miou-b')).toMatch(/\d+\.\d%/);
    expect(await text('compare-miou-delta')).toMatch(/^mIoU change[\s\S]*(\+|\u2212)?\d+\.\d pts/i);
    // CamVid's 11 classes, each with A, B and the change.
    expect(await page.locator('[data-testid^="compare-row-"]').count()).toBe(11);
    const deltas = await page.getByTestId('compare-delta').allInnerTexts();
    expect(deltas.every((d) => /^([+\u2212]?\d+\.\d|—)$/.test(d.trim()))).toBe(true);
    await shots('loop-compare');
    expect(pageErrors).toEqual([]);
  });

  it('makes a project from a folder of unlabeled images and opens the first one to label', async () => {
    const photos = mkdtempSync(path.join(os.tmpdir(), 'segstudio-e2e-photos-'));
    try {
      for (const f of readdirSync(path.join(CAMVID, 'val')).sort().slice(0, 3)) {
        copyFileSync(path.join(CAMVID, 'val', f), path.join(photos, f));
      }
      await page.goto(`${serve.origin}/#/`);
      await page.getByTestId('images-folder').fill(photos);
      await page.getByTestId('images-classes').fill('road, car\nperson');
      await page.getByTestId('images-val').fill('0');
      await expect.poll(() => text('images-hint')).toBe('3 classes: road, car, person');
      await shots('loop-images-project');
      await page.getByTestId('images-create').click();
      await page.waitForURL(/#\/label\/train\//, { timeout: 60_000 });
      await expect.poll(saveState).toBe('saved');
      expect(await text('label-state')).toBe('unlabeled');
      for (const id of [0, 1, 2]) await page.getByTestId(`class-option-${id}`).waitFor();
    } finally {
      rmSync(photos, { recursive: true, force: true });
    }
  });
});
