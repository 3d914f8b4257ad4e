/**
 * The Train form as a first-time user meets it, in Chromium via serve mode: messages in words
 * (never zod's "Too small: expected number to be >=32"), the reason beside a disabled Start,
 * the time-budget field, the size warning, and a paused run's settings shown read-only and
 * copied into a new run.
 */
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMiniCamvid } from '../tests/support/datasets';
import { openBrowser, screenshot, startServe, stop } from './harness';

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
