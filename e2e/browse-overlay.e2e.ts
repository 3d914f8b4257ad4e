/**
 * Browse's thumbnail overlay and the viewer's per-class hide/show, in serve mode on a CamVid
 * copy: the mask overlay paints a thumbnail in class colours; hiding Road in the viewer takes
 * its pixels out of the ground-truth layer, alt/shift-click keeps only one class, "Show all"
 * brings them back; a tiny run's prediction overlay comes from the engine with a progress hint.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { POLL, serveCamvidCopy } from './editor-support';
import { screenshot, startTinyRun } from './harness';

const app = serveCamvidCopy(4);
const ROAD = { id: 3, rgb: '128,64,128' };
const SKY = { id: 0, rgb: '128,128,128' };

/** The opaque colours of an image element's pixels ("r,g,b" -> count) and its pixel count. */
function coloursOf(img: Locator): Promise<{ total: number; colours: Record<string, number> }> {
  return img.evaluate(async (el) => {
    const image = el as HTMLImageElement;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(image, 0, 0);
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const colours: Record<string, number> = {};
    for (let p = 0; p < data.length; p += 4) {
      if (data[p + 3]! < 255) continue;
      const key = `${data[p]},${data[p + 1]},${data[p + 2]}`;
      colours[key] = (colours[key] ?? 0) + 1;
    }
    return { total: canvas.width * canvas.height, colours };
  });
}

function classColours(): Set<string> {
  const labels = JSON.parse(readFileSync(path.join(app.datasetDir, 'labels.json'), 'utf8')) as {
    rgb_values: number[];
  }[];
  return new Set(labels.map((l) => l.rgb_values.join(',')));
}

/** Every opaque pixel of the first tile's overlay is a class colour, and most are opaque. */
async function expectClassOverlay(): Promise<Record<string, number>> {
  const overlay = app.page.getByTestId('thumb-overlay').first();
  await overlay.waitFor(POLL);
  const { total, colours } = await coloursOf(overlay);
  const known = classColours();
  expect(Object.keys(colours).filter((c) => !known.has(c))).toEqual([]);
  const opaque = Object.values(colours).reduce((a, b) => a + b, 0);
  expect(opaque / total).toBeGreaterThan(0.5);
  return colours;
}

describe('Browse overlay and per-class visibility', () => {
  it('draws the masks over the thumbnails in class colours', async () => {
    await app.page.goto(`${app.serve.origin}/#/browse`);
    const tile = app.page.getByTestId('thumb').first();
    await tile.locator('img').first().waitFor(POLL);
    await expect
      .poll(() =>
        tile
          .locator('img')
          .first()
          .evaluate((i) => (i as HTMLImageElement).complete),
      )
      .toBe(true);
    const before = await tile.locator('.image').screenshot();
    expect(await app.page.getByTestId('thumb-overlay').count()).toBe(0);

    await app.page.getByTestId('browse-overlay').selectOption('mask');
    const colours = await expectClassOverlay();
    expect(colours[ROAD.rgb]).toBeGreaterThan(0);
    await expect
      .poll(async () => (await tile.locator('.image').screenshot()).equals(before))
      .toBe(false);
    await screenshot(app.page, 'browse-overlay-mask');

    await app.page.getByTestId('browse-overlay').selectOption('none');
    await expect.poll(() => app.page.getByTestId('thumb-overlay').count()).toBe(0);
  });

  it('hides a class from the viewer, shows only one, then all again', async () => {
    await app.page.getByTestId('thumb').first().locator('.image').click();
    const gt = app.page.getByTestId('layer-gt').locator('img').first();
    await gt.waitFor(POLL);
    expect((await coloursOf(gt)).colours[ROAD.rgb]).toBeGreaterThan(0);
    const hostUrl = await gt.getAttribute('src');

    await app.page.getByTestId(`class-visibility-${ROAD.id}`).click();
    await expect.poll(() => gt.getAttribute('src'), POLL).toMatch(/^blob:/);
    const hidden = await coloursOf(gt);
    expect(hidden.colours[ROAD.rgb]).toBeUndefined();
    expect(hidden.colours[SKY.rgb]).toBeGreaterThan(0);
    expect(
      await app.page.getByTestId(`class-visibility-${ROAD.id}`).getAttribute('aria-pressed'),
    ).toBe('false');

    // The next sample, Road still hidden: its layer never shows the host's unfiltered mask.
    await app.page.evaluate(() => {
      const seen = window as unknown as { hostLayers?: string[] };
      seen.hostLayers = [];
      new MutationObserver(() => {
        const img = document.querySelector<HTMLImageElement>('[data-testid="layer-gt"] img');
        if (img && !img.src.startsWith('blob:')) seen.hostLayers!.push(img.src);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const title = await app.page.getByTestId('sample-title').innerText();
    await app.page.getByTestId('next-sample').click();
    await expect.poll(() => app.page.getByTestId('sample-title').innerText()).not.toBe(title);
    await expect.poll(() => gt.getAttribute('src'), POLL).toMatch(/^blob:/);
    expect((await coloursOf(gt)).colours[ROAD.rgb]).toBeUndefined();
    expect(
      await app.page.evaluate(() => (window as unknown as { hostLayers: string[] }).hostLayers),
    ).toEqual([]);
    await app.page.getByTestId('prev-sample').click();
    await expect.poll(() => app.page.getByTestId('sample-title').innerText()).toBe(title);
    await expect.poll(() => gt.getAttribute('src'), POLL).toMatch(/^blob:/);

    await app.page.getByTestId(`class-visibility-${SKY.id}`).click({ modifiers: ['Shift'] });
    await expect
      .poll(
        async () => Object.keys((await coloursOf(gt)).colours).filter((c) => c !== '0,0,0'),
        POLL,
      )
      .toEqual([SKY.rgb]);

    await app.page.getByTestId('class-visibility-all').click();
    await expect.poll(() => gt.getAttribute('src'), POLL).toBe(hostUrl);
    expect((await coloursOf(gt)).colours[ROAD.rgb]).toBeGreaterThan(0);
    await screenshot(app.page, 'viewer-class-visibility');
  });

  it("draws a run's prediction over the thumbnails, from the engine", async () => {
    await app.page.goto(`${app.serve.origin}/#/train`);
    await app.page.getByTestId('train-form').waitFor();
    await expect.poll(() => app.page.getByTestId('train-width').inputValue()).not.toBe('');
    await startTinyRun(app.page, { name: 'overlay-run', epochs: 1, height: 48 });
    await expect
      .poll(() => app.page.getByTestId('run-state').innerText(), { timeout: 240_000 })
      .toBe('finished');

    await app.page.goto(`${app.serve.origin}/#/browse`);
    await app.page.getByTestId('thumb').first().locator('img').first().waitFor(POLL);
    // The hint is shown while the worker predicts: remember that it was seen at all.
    await app.page.evaluate(() => {
      const seen = window as unknown as { sawProgress?: boolean };
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="overlay-progress"]')) seen.sawProgress = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    await app.page.getByTestId('browse-overlay').selectOption('prediction');
    expect(await app.page.getByTestId('browse-overlay-run').inputValue()).toBe('overlay-run');
    expect(await app.page.getByTestId('browse-overlay-checkpoint').inputValue()).toBe('best');
    await app.page.getByTestId('thumb-overlay').first().waitFor({ timeout: 180_000 });
    expect(await app.page.getByTestId('thumb-overlay').first().getAttribute('src')).toMatch(
      /\/file\/1\/cache\/overlays\/overlay-run\//,
    );
    await expectClassOverlay();
    expect(await app.page.evaluate(() => (window as { sawProgress?: boolean }).sawProgress)).toBe(
      true,
    );
    await expect.poll(() => app.page.getByTestId('overlay-progress').count(), POLL).toBe(0);
    expect(await app.page.getByTestId('overlay-error').count()).toBe(0);
    await screenshot(app.page, 'browse-overlay-prediction');
    expect(app.pageErrors).toEqual([]);
  });
});
