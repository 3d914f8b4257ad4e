/**
 * A first run as a new user makes it, in Chromium via serve mode. The Train form: messages in
 * words (never zod's "Too small: expected number to be >=32"), the reason beside a disabled
 * Start, the time-budget field, the size warning, a paused run's settings shown read-only and
 * copied into a new run. Then Evaluate: the confusion matrix's named axes and a cell's images,
 * how many failure cases and how spread, and back to Evaluate from a failure case.
 */
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMiniCamvid } from '../tests/support/datasets';
import { openBrowser, screenshot, startEvaluation, startServe, stop } from './harness';

const RUN = 'form-run';
let datasetDir: string;
let page: Page;

beforeAll(async () => {
  datasetDir = makeMiniCamvid({ train: 4, val: 2 });
  const serve = await startServe({ args: [datasetDir], env: { TF_CPP_MIN_LOG_LEVEL: '2' } });
  ({ page } = await openBrowser(serve.url));
});

afterAll(async () => {
  await stop();
  rmSync(datasetDir, { recursive: true, force: true });
});

const text = async (testid: string) => (await page.getByTestId(testid).innerText()).trim();
const field = (name: string) => page.getByTestId(`train-${name}`);

describe('Train form', () => {
  it('explains in words why Start is disabled, checks the budget and the aspect', async () => {
    await page.getByTestId('nav-train').click();
    await page.getByTestId('train-form').waitFor();
    await expect.poll(() => field('width').inputValue()).toBe('480');
    expect(await page.getByTestId('train-start-reason').count()).toBe(0);

    await field('width').fill('10');
    expect(await text('error-width')).toBe('Width must be at least 32');
    expect(await page.getByTestId('train-start').isDisabled()).toBe(true);
    expect(await text('train-start-reason')).toBe('Cannot start yet: Width must be at least 32');
    await field('lr').fill('0');
    await field('runName').fill('');
    expect(await text('error-runName')).toBe('Run name is empty: type one');
    expect(await text('error-lr')).toBe('Learning rate must be more than 0');
    expect(await text('train-start-reason')).toMatch(/\(and 2 more fields\)$/);
    expect(await page.getByTestId('train-form').innerText()).not.toMatch(/Too small|expected/);

    await field('timeBudget').fill('soon');
    expect(await text('error-timeBudget')).toContain('60m, 1h30m or 90s');
    await field('timeBudget').fill('10m');
    expect(await page.getByTestId('error-timeBudget').count()).toBe(0);
    await field('timeBudget').fill('');

    // 480x360 images trained square are squashed: the form says so, a 4:3 size is fine.
    await field('width').fill('64');
    await field('height').fill('64');
    expect(await text('train-size-warning')).toMatch(/aspect|distort|squash|stretch/i);
    await field('height').fill('48');
    expect(await page.getByTestId('train-size-warning').count()).toBe(0);
    await field('lr').fill('0.001');
    await field('runName').fill(RUN);
    expect(await page.getByTestId('train-start').isDisabled()).toBe(false);
    expect(await page.getByTestId('train-start-reason').count()).toBe(0);
  });

  it("shows a paused run's settings read-only and starts a new run from them", async () => {
    await field('batch').fill('2');
    await field('epochs').fill('3');
    await page.getByRole('button', { name: 'Advanced…' }).click();
    await field('stopAfterSteps').fill('1');
    await page.getByTestId('train-start').click();
    await expect.poll(() => text('run-state'), { timeout: 180_000 }).toBe('paused');

    const settings = page.getByTestId('run-settings');
    await settings.waitFor();
    const shown = await settings.innerText();
    expect(shown).toContain(`Settings of ${RUN}`);
    expect(shown).toContain('64 × 48');
    expect(await settings.locator('input, select').count()).toBe(0);
    await screenshot(page, 'train-form-run-settings');
    // The form moved on from the name just used: Start again needs no new name typed.
    expect(await field('runName').inputValue()).not.toBe(RUN);
    expect(await field('runName').inputValue()).toMatch(/^run-\d{8}-\d{4}$/);

    await field('runName').fill('scratch');
    await field('width').fill('96');
    await page.getByTestId('run-settings-copy').click();
    expect(await field('runName').inputValue()).toBe(`${RUN}-again`);
    expect(await field('width').inputValue()).toBe('64');
    expect(await field('height').inputValue()).toBe('48');
    expect(await field('batch').inputValue()).toBe('2');
    expect(await field('epochs').inputValue()).toBe('3');
    expect(await field('stopAfterSteps').inputValue()).toBe('');
    expect(await page.getByTestId('train-start').isDisabled()).toBe(false);
  });
});

describe('Evaluate', () => {
  it('names the matrix axes and lists the images of a clicked cell, pixels adding up', async () => {
    await startEvaluation(page, { run: RUN, split: 'val', from: 'last' });
    await expect.poll(() => text('card-miou'), { timeout: 120_000 }).toMatch(/\d+\.\d%/);
    expect(await text('confusion-axis-predicted')).toMatch(/^Predicted class/);
    expect(await text('confusion-axis-true')).toMatch(/true class/);
    expect(await text('confusion-col-0')).toBe('Sky');

    // The per-class header sticks inside its own box: scrolling the page takes it away with its
    // rows, never leaving it over the rows of the page below. A short window, so the page is
    // taller than it whatever the number of failure cases.
    const viewport = page.viewportSize()!;
    await page.setViewportSize({ width: viewport.width, height: 360 });
    const header = await page.evaluate(() => {
      const table = document.querySelector('[data-testid=per-class-table]')!;
      let scroller = table.parentElement;
      while (
        scroller &&
        !(
          scroller.scrollHeight > scroller.clientHeight + 1 &&
          /auto|scroll/.test(getComputedStyle(scroller).overflowY)
        )
      ) {
        scroller = scroller.parentElement;
      }
      // Far enough that the table's top leaves the view, where a page-sticky header would stay.
      const page = scroller ?? document.scrollingElement!;
      const before = page.scrollTop;
      page.scrollTop += table.getBoundingClientRect().top + 150;
      const shown = {
        th: table.querySelector('th')!.getBoundingClientRect().top,
        table: table.getBoundingClientRect().top,
      };
      page.scrollTop = before;
      return shown;
    });
    await page.setViewportSize(viewport);
    expect(header.table).toBeLessThan(0);
    expect(header.th).toBeCloseTo(header.table, 0);

    // Hover the cells until one off the diagonal has pixels (an untrained model has many).
    const box = (await page.getByTestId('confusion-canvas').boundingBox())!;
    const n = 11;
    const cell = box.width / n;
    let found: { x: number; y: number; pixels: number; tip: string } | null = null;
    for (let r = 0; r < n && !found; r++) {
      for (let c = 0; c < n && !found; c++) {
        if (r === c) continue;
        const x = box.x + (c + 0.5) * cell;
        const y = box.y + (r + 0.5) * cell;
        await page.mouse.move(x, y);
        const tip = await text('confusion-tip');
        const pixels = Number(/([\d,]+) px/.exec(tip)?.[1]?.replace(/,/g, '') ?? 0);
        if (pixels > 0) found = { x, y, pixels, tip };
      }
    }
    expect(found).not.toBeNull();
    await page.mouse.click(found!.x, found!.y);
    const truth = /Truth\s+([^\n]+)/.exec(found!.tip)![1]!.trim();
    const predicted = /Predicted\s+([^\n]+)/.exec(found!.tip)![1]!.trim();
    expect(await text('confusion-images-title')).toBe(`${truth} predicted as ${predicted}`);
    const rows = page.getByTestId('confusion-images').locator('li');
    const listed = await rows.allInnerTexts();
    expect(listed.length).toBeGreaterThan(0);
    const sum = listed.reduce(
      (s, row) => s + Number(/([\d,]+) px/.exec(row)![1]!.replace(/,/g, '')),
      0,
    );
    expect(sum).toBe(found!.pixels);
    await screenshot(page, 'evaluate-confusion-cell');
  });

  it('shows as many failure cases as asked, spread or not, and comes back from one', async () => {
    const cases = page.locator('[data-testid^="failure-case-"][data-sample]');
    // By default every image can be a case: both val images are shown.
    await expect.poll(() => cases.count()).toBe(2);
    // They are neighbouring frames of one drive: spread out, one is shown.
    await page
      .getByTestId('failure-spread')
      .selectOption({ label: 'one per 5 neighbouring frames' });
    await expect.poll(() => cases.count()).toBe(1);
    await page.getByTestId('failure-spread').selectOption({ label: 'every image' });
    await expect.poll(() => cases.count()).toBe(2);
    await page.getByTestId('failure-count').fill('1');
    await expect.poll(() => cases.count()).toBe(1);

    const worst = await cases.first().getAttribute('data-sample');
    await cases.first().click();
    await expect.poll(() => text('sample-title')).toBe(`val/${worst}`);
    await page.getByTestId('back-to-evaluate').click();
    await expect.poll(() => page.getByTestId('pick-run').inputValue()).toBe(RUN);
    expect(await page.getByTestId('pick-split').inputValue()).toBe('val');
    await page.getByTestId('confusion-matrix').waitFor();
  });
});

describe('page', () => {
  it('declares an icon the server has, so no /favicon.ico 404', async () => {
    const href = await page
      .locator('link[rel="icon"]')
      .evaluate((l) => (l as HTMLLinkElement).href);
    if (href.startsWith('data:')) return expect(href).toMatch(/^data:image\/svg\+xml/);
    const icon = await page.request.get(href);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toBe('image/svg+xml');
  });
});
