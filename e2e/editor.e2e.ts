import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMVID, copyCamvid, maskPixelOf, POLL } from './editor-support';
import { openBrowser, screenshot, startServe, stop, type ServeHandle } from './harness';

// The mask editor as a user drives it in serve mode on a CamVid copy: open it from the viewer,
// paint, undo, redo, autosave, reload, and the conflict when the dataset's own file changes.

const PAVEMENT = 4;
const PAVEMENT_RGB = [60, 40, 222];

let datasetDir: string;
let serve: ServeHandle;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  datasetDir = copyCamvid(4);
  serve = await startServe({ args: [datasetDir] });
  ({ page } = await openBrowser(serve.url));
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await stop();
  rmSync(datasetDir, { recursive: true, force: true });
});

function maskPixel(x: number, y: number): Promise<number[]> {
  return maskPixelOf(page, x, y);
}

/** Screen point of image pixel (x, y), from the canvas box (the whole image is fitted). */
async function screenPoint(x: number, y: number): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId('editor-canvas').boundingBox())!;
  return { x: box.x + ((x + 0.5) / 480) * box.width, y: box.y + ((y + 0.5) / 360) * box.height };
}

async function saveState(): Promise<string | null> {
  return page.getByTestId('save-state').getAttribute('data-state');
}

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe('mask editor', () => {
  let firstId = '';

  it('opens from the sample viewer with the whole image fitted', async () => {
    await page.goto(`${serve.origin}/#/browse`);
    await page.getByTestId('thumb').first().click();
    await page.keyboard.press('Enter');
    await page.getByTestId('open-editor').click();
    await page.waitForURL(/#\/label\/train\//);
    firstId = decodeURIComponent(page.url().split('/').pop()!);
    await expect.poll(saveState, POLL).toBe('saved');
    const canvas = page.getByTestId('editor-canvas');
    await expect.poll(() => canvas.evaluate((c) => (c as HTMLCanvasElement).width), POLL).toBe(480);
    const box = (await canvas.boundingBox())!;
    const viewport = page.viewportSize()!;
    expect(box.width / box.height).toBeCloseTo(480 / 360, 2);
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
    expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
    expect(box.width).toBeGreaterThan(600);
    // The dataset's mask is shown: the top rows of CamVid frames are sky.
    expect((await maskPixel(240, 5)).slice(0, 3)).toEqual([128, 128, 128]);
    await screenshot(page, 'editor-1440x900');
  });

  it('paints a stroke, undoes and redoes it, and autosaves dirty -> saving -> saved', async () => {
    // Record every save-state the chip shows, not just the ones a poll happens to see.
    await page.getByTestId('save-state').evaluate((el) => {
      const seen: string[] = [];
      (window as unknown as { seenStates: string[] }).seenStates = seen;
      new MutationObserver(() => seen.push(el.getAttribute('data-state') ?? '')).observe(el, {
        attributes: true,
        attributeFilter: ['data-state'],
      });
    });
    const before = await maskPixel(200, 100);
    expect(before.slice(0, 3)).not.toEqual(PAVEMENT_RGB);
    await page.getByTestId(`class-option-${PAVEMENT}`).click();
    await page.getByTestId('tool-brush').click();
    await page.getByTestId('brush-size').fill('15');
    const a = await screenPoint(150, 100);
    const b = await screenPoint(250, 100);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 12 });
    await page.mouse.up();
    for (const x of [150, 175, 200, 225, 250]) {
      expect((await maskPixel(x, 100)).slice(0, 3), `x=${x}`).toEqual(PAVEMENT_RGB);
    }
    // Hard edge: 7 px above the line is inside a size-15 brush, 9 px is not.
    expect((await maskPixel(200, 93)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    expect(await maskPixel(200, 91)).toEqual(await maskPixel(200, 85));

    await page.getByTestId('undo').click();
    expect(await maskPixel(200, 100)).toEqual(before);
    await page.keyboard.press('Control+Shift+Z');
    expect((await maskPixel(200, 100)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    await page.keyboard.press('Control+z');
    expect(await maskPixel(200, 100)).toEqual(before);
    await page.getByTestId('redo').click();
    expect((await maskPixel(200, 100)).slice(0, 3)).toEqual(PAVEMENT_RGB);

    await expect.poll(saveState, { timeout: 15_000 }).toBe('saved');
    const seen = await page.evaluate(
      () => (window as unknown as { seenStates: string[] }).seenStates,
    );
    expect(seen[0]).toBe('dirty');
    expect(seen).toContain('saving');
    expect(seen.at(-1)).toBe('saved');
    expect(seen.indexOf('saving')).toBeGreaterThan(seen.indexOf('dirty'));
  });

  it('shows the saved mask after a reload, and never wrote the dataset', async () => {
    const annotation = path.join(datasetDir, 'trainannot', `${firstId}.png`);
    const original = sha(path.join(CAMVID, 'trainannot', `${firstId}.png`));
    expect(sha(annotation)).toBe(original);
    await page.reload();
    await expect.poll(saveState, POLL).toBe('saved');
    await expect
      .poll(async () => (await maskPixel(200, 100)).slice(0, 3), POLL)
      .toEqual(PAVEMENT_RGB);
    expect((await maskPixel(240, 5)).slice(0, 3)).toEqual([128, 128, 128]);
  });

  it('reports a conflict when the dataset file changed, and keep mine keeps the edit', async () => {
    // Someone else replaces the dataset's annotation with another frame's.
    const lines = readFileSync(path.join(datasetDir, 'train.txt'), 'utf8').trim().split('\n');
    const other = path.basename(lines[3]!.split(/\s+/)[1]!);
    const annotation = path.join(datasetDir, 'trainannot', `${firstId}.png`);
    copyFileSync(path.join(datasetDir, 'trainannot', other), annotation);
    await page.reload();
    await expect.poll(saveState, POLL).toBe('conflict');
    await page.getByTestId('conflict-banner').waitFor();
    await screenshot(page, 'editor-conflict');
    await page.getByTestId('conflict-keep-mine').click();
    await expect.poll(saveState, POLL).toBe('saved');
    expect((await maskPixel(200, 100)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    await page.reload();
    await expect.poll(saveState, POLL).toBe('saved');
    expect((await maskPixel(200, 100)).slice(0, 3)).toEqual(PAVEMENT_RGB);

    // It changes again; this time take theirs: the editor shows the dataset's new file.
    const third = path.basename(lines[2]!.split(/\s+/)[1]!);
    copyFileSync(path.join(datasetDir, 'trainannot', third), annotation);
    await page.reload();
    await expect.poll(saveState, POLL).toBe('conflict');
    await page.getByTestId('conflict-take-theirs').click();
    await expect.poll(saveState, POLL).toBe('saved');
    const { data, info } = await sharp(annotation)
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const classes = JSON.parse(readFileSync(path.join(datasetDir, 'labels.json'), 'utf8')) as {
      id: number;
      rgb_values: number[];
    }[];
    for (const [x, y] of [
      [200, 100],
      [240, 5],
      [100, 300],
    ] as const) {
      const id = data[y * info.width + x]!;
      const colour = classes.find((c) => c.id === id)!.rgb_values;
      expect((await maskPixel(x, y)).slice(0, 3), `${x},${y}`).toEqual(colour);
    }
  });

  it('fills, draws a polygon, paints superpixels and erases, each one undo step', async () => {
    const sky = await maskPixel(240, 5);
    await page.getByTestId(`class-option-${PAVEMENT}`).click();
    // Fill the sky region (contiguous, by class).
    await page.getByTestId('tool-fill').click();
    let p = await screenPoint(240, 5);
    await page.mouse.click(p.x, p.y);
    expect((await maskPixel(240, 5)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    await page.getByTestId('undo').click();
    expect(await maskPixel(240, 5)).toEqual(sky);

    // A triangle: three clicks and Enter.
    await page.getByTestId('tool-polygon').click();
    for (const [x, y] of [
      [20, 150],
      [80, 150],
      [50, 100],
    ] as const) {
      p = await screenPoint(x, y);
      await page.mouse.click(p.x, p.y);
    }
    await page.keyboard.press('Enter');
    const building = await maskPixel(20, 110);
    expect((await maskPixel(50, 140)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    expect(building.slice(0, 3)).toEqual([128, 0, 0]);
    await page.getByTestId('undo').click();
    expect(await maskPixel(50, 140)).toEqual(building);

    // Superpixels come from a worker; the brush paints whole cells once they are ready.
    await page.getByTestId('tool-superpixel').click();
    await expect.poll(() => page.getByText('Computing superpixels…').count(), POLL).toBe(0);
    p = await screenPoint(400, 30);
    await page.mouse.click(p.x, p.y);
    expect((await maskPixel(400, 30)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    const painted = await page.getByTestId('editor-canvas').evaluate((el) => {
      const d = (el as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 480, 360).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (d[i] === 60 && d[i + 1] === 40 && d[i + 2] === 222) n++;
      return n;
    });
    await page.getByTestId('undo').click();
    const before = await page.getByTestId('editor-canvas').evaluate((el) => {
      const d = (el as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 480, 360).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (d[i] === 60 && d[i + 1] === 40 && d[i + 2] === 222) n++;
      return n;
    });
    // One SLIC cell at the default 16 px size: tens to a few hundred pixels.
    expect(painted - before).toBeGreaterThan(30);
    expect(painted - before).toBeLessThan(2000);

    // The eraser clears to void (transparent in the overlay).
    await page.getByTestId('tool-eraser').click();
    p = await screenPoint(240, 5);
    await page.mouse.click(p.x, p.y);
    expect((await maskPixel(240, 5))[3]).toBe(0);
    await page.keyboard.press('Control+z');
    expect(await maskPixel(240, 5)).toEqual(sky);
    await expect.poll(saveState, { timeout: 15_000 }).toBe('saved');
  });

  it('marks the sample reviewed, adds a class, and says when nothing is left unlabeled', async () => {
    await page.getByTestId('mark-reviewed').click();
    await expect.poll(() => page.getByTestId('label-state').innerText(), POLL).toBe('reviewed');
    await page.getByTestId('class-add-name').fill('Puddle');
    await page.getByTestId('class-add').click();
    const added = page.locator('[data-testid^="class-option-"]', { hasText: 'Puddle' });
    await added.waitFor();
    expect(await added.getAttribute('data-testid')).toBe('class-option-12');
    expect(await added.getAttribute('class')).toMatch(/\bon\b/);
    // Every CamVid frame has a mask, so all count as labeled.
    await page.getByTestId('next-unlabeled').click();
    await expect
      .poll(() => page.getByTestId('editor-message').innerText(), POLL)
      .toMatch(/Every sample is labeled/);
  });

  it('zooms to the cursor with the wheel, pans with the middle button, fits and shows 1:1', async () => {
    const canvas = page.getByTestId('editor-canvas');
    const fitted = (await canvas.boundingBox())!;
    const target = await screenPoint(120, 90);
    await page.mouse.move(target.x, target.y);
    await page.mouse.wheel(0, -600);
    const zoomed = (await canvas.boundingBox())!;
    expect(zoomed.width).toBeGreaterThan(fitted.width * 1.5);
    // The image pixel under the cursor stays under the cursor.
    const after = await screenPoint(120, 90);
    expect(Math.abs(after.x - target.x)).toBeLessThan(zoomed.width / 480 + 1);
    expect(Math.abs(after.y - target.y)).toBeLessThan(zoomed.height / 360 + 1);
    await page.mouse.down({ button: 'middle' });
    await page.mouse.move(target.x + 100, target.y + 40, { steps: 4 });
    await page.mouse.up({ button: 'middle' });
    const panned = (await canvas.boundingBox())!;
    expect(panned.x - zoomed.x).toBeCloseTo(100, 0);
    expect(panned.y - zoomed.y).toBeCloseTo(40, 0);
    expect(panned.width).toBeCloseTo(zoomed.width, 3);
    await page.getByTestId('zoom-actual').click();
    expect((await canvas.boundingBox())!.width).toBeCloseTo(480, 0);
    await page.getByTestId('zoom-fit').click();
    expect((await canvas.boundingBox())!.width).toBeCloseTo(fitted.width, 0);
  });

  it('renames a class by double-clicking it', async () => {
    await page.getByTestId('class-option-9').dblclick();
    const input = page.getByTestId('class-option-9').locator('input');
    await input.fill('Person');
    await input.press('Enter');
    await expect.poll(() => page.getByTestId('class-option-9').innerText(), POLL).toMatch(/Person/);
    await page.reload();
    await expect.poll(() => page.getByTestId('class-option-9').innerText(), POLL).toMatch(/Person/);
  });

  it('switches tools from the keyboard and fits a 1280x720 window', async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.keyboard.press('e');
    await expect
      .poll(() => page.getByTestId('tool-eraser').getAttribute('class'), POLL)
      .toMatch(/\bon\b/);
    await page.keyboard.press('f');
    await expect
      .poll(() => page.getByTestId('tool-fill').getAttribute('class'), POLL)
      .toMatch(/\bon\b/);
    await page.getByTestId('zoom-fit').click();
    const box = (await page.getByTestId('editor-canvas').boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(1280);
    expect(box.y + box.height).toBeLessThanOrEqual(720);
    const hover = await screenPoint(240, 5);
    await page.mouse.move(hover.x, hover.y);
    await expect
      .poll(() => page.getByTestId('editor-hover').innerText(), POLL)
      .toMatch(/240, 5 · Sky/);
    await screenshot(page, 'editor-1280x720');
    expect(pageErrors).toEqual([]);
  });
});
