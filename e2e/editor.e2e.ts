import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CAMVID, maskPixelOf, POLL, serveCamvidCopy } from './editor-support';
import { screenshot } from './harness';

// The mask editor as a user drives it in serve mode on a CamVid copy: open it from the viewer,
// paint, undo, redo, autosave, reload, and the conflict when the dataset's own file changes.

const PAVEMENT = 4;
const PAVEMENT_RGB = [60, 40, 222];

const app = serveCamvidCopy(4);

function maskPixel(x: number, y: number): Promise<number[]> {
  return maskPixelOf(app.page, x, y);
}

/** Screen point of image pixel (x, y), from the canvas box (the whole image is fitted). */
async function screenPoint(x: number, y: number): Promise<{ x: number; y: number }> {
  const box = (await app.page.getByTestId('editor-canvas').boundingBox())!;
  return { x: box.x + ((x + 0.5) / 480) * box.width, y: box.y + ((y + 0.5) / 360) * box.height };
}

async function saveState(): Promise<string | null> {
  return app.page.getByTestId('save-state').getAttribute('data-state');
}

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe('mask editor', () => {
  let firstId = '';

  it('opens from the sample viewer with the whole image fitted', async () => {
    await app.page.goto(`${app.serve.origin}/#/browse`);
    await app.page.getByTestId('thumb').first().click();
    await app.page.keyboard.press('Enter');
    await app.page.getByTestId('open-editor').click();
    await app.page.waitForURL(/#\/label\/train\//);
    firstId = decodeURIComponent(app.page.url().split('/').pop()!);
    await expect.poll(saveState, POLL).toBe('saved');
    const canvas = app.page.getByTestId('editor-canvas');
    await expect.poll(() => canvas.evaluate((c) => (c as HTMLCanvasElement).width), POLL).toBe(480);
    const box = (await canvas.boundingBox())!;
    const viewport = app.page.viewportSize()!;
    expect(box.width / box.height).toBeCloseTo(480 / 360, 2);
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
    expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
    expect(box.width).toBeGreaterThan(600);
    // The dataset's mask is shown: the top rows of CamVid frames are sky.
    expect((await maskPixel(240, 5)).slice(0, 3)).toEqual([128, 128, 128]);
    await screenshot(app.page, 'editor-1440x900');
  });

  it('paints a stroke, undoes and redoes it, and autosaves dirty -> saving -> saved', async () => {
    // Record every save-state the chip shows, not just the ones a poll happens to see.
    await app.page.getByTestId('save-state').evaluate((el) => {
      const seen: string[] = [];
      (window as unknown as { seenStates: string[] }).seenStates = seen;
      new MutationObserver(() => seen.push(el.getAttribute('data-state') ?? '')).observe(el, {
        attributes: true,
        attributeFilter: ['data-state'],
      });
    });
    const before = await maskPixel(200, 100);
    expect(before.slice(0, 3)).not.toEqual(PAVEMENT_RGB);
    await app.page.getByTestId(`class-option-${PAVEMENT}`).click();
    await app.page.getByTestId('tool-brush').click();
    await app.page.getByTestId('brush-size').fill('15');
    const a = await screenPoint(150, 100);
    const b = await screenPoint(250, 100);
    await app.page.mouse.move(a.x, a.y);
    await app.page.mouse.down();
    await app.page.mouse.move(b.x, b.y, { steps: 12 });
    await app.page.mouse.up();
    for (const x of [150, 175, 200, 225, 250]) {
      expect((await maskPixel(x, 100)).slice(0, 3), `x=${x}`).toEqual(PAVEMENT_RGB);
    }
    // Hard edge: 7 px above the line is inside a size-15 brush, 9 px is not.
    expect((await maskPixel(200, 93)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    expect(await maskPixel(200, 91)).toEqual(await maskPixel(200, 85));

    await app.page.getByTestId('undo').click();
    expect(await maskPixel(200, 100)).toEqual(before);
    await app.page.keyboard.press('Control+Shift+Z');
    expect((await maskPixel(200, 100)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    await app.page.keyboard.press('Control+z');
    expect(await maskPixel(200, 100)).toEqual(before);
    await app.page.getByTestId('redo').click();
    expect((await maskPixel(200, 100)).slice(0, 3)).toEqual(PAVEMENT_RGB);

    await expect.poll(saveState, { timeout: 15_000 }).toBe('saved');
    const seen = await app.page.evaluate(
      () => (window as unknown as { seenStates: string[] }).seenStates,
    );
    expect(seen[0]).toBe('dirty');
    expect(seen).toContain('saving');
    expect(seen.at(-1)).toBe('saved');
    expect(seen.indexOf('saving')).toBeGreaterThan(seen.indexOf('dirty'));
  });

  it('keeps the image still under a stroke when the window resizes mid-stroke', async () => {
    const row = 200;
    const before = await maskPixel(250, row);
    expect(before.slice(0, 3)).not.toEqual(PAVEMENT_RGB);
    // Screen points taken before the resize: the stroke goes on along the same image row only
    // if the view is not refitted under the pointer.
    const a = await screenPoint(150, row);
    const b = await screenPoint(200, row);
    const c = await screenPoint(250, row);
    await app.page.mouse.move(a.x, a.y);
    await app.page.mouse.down();
    await app.page.mouse.move(b.x, b.y, { steps: 4 });
    await app.page.setViewportSize({ width: 1280, height: 720 });
    await app.page.mouse.move(c.x, c.y, { steps: 4 });
    await app.page.mouse.up();
    try {
      for (const x of [150, 200, 225, 250]) {
        expect((await maskPixel(x, row)).slice(0, 3), `x=${x}`).toEqual(PAVEMENT_RGB);
      }
      // Once the stroke is over, the view fits the smaller window.
      const fits = async () => {
        const box = (await app.page.getByTestId('editor-canvas').boundingBox())!;
        return box.x + box.width <= 1280 && box.y + box.height <= 720;
      };
      await expect.poll(fits).toBe(true);
    } finally {
      await app.page.setViewportSize({ width: 1440, height: 900 });
    }
    await app.page.getByTestId('undo').click();
    expect(await maskPixel(250, row)).toEqual(before);
    await expect.poll(saveState, { timeout: 15_000 }).toBe('saved');
  });

  it('shows the saved mask after a reload, and never wrote the dataset', async () => {
    const annotation = path.join(app.datasetDir, 'trainannot', `${firstId}.png`);
    const original = sha(path.join(CAMVID, 'trainannot', `${firstId}.png`));
    expect(sha(annotation)).toBe(original);
    await app.page.reload();
    await expect.poll(saveState, POLL).toBe('saved');
    await expect
      .poll(async () => (await maskPixel(200, 100)).slice(0, 3), POLL)
      .toEqual(PAVEMENT_RGB);
    expect((await maskPixel(240, 5)).slice(0, 3)).toEqual([128, 128, 128]);
  });

  it('reports a conflict when the dataset file changed, and keep mine keeps the edit', async () => {
    // Someone else replaces the dataset's annotation with another frame's.
    const lines = readFileSync(path.join(app.datasetDir, 'train.txt'), 'utf8').trim().split('\n');
    const other = path.basename(lines[3]!.split(/\s+/)[1]!);
    const annotation = path.join(app.datasetDir, 'trainannot', `${firstId}.png`);
    copyFileSync(path.join(app.datasetDir, 'trainannot', other), annotation);
    await app.page.reload();
    await expect.poll(saveState, POLL).toBe('conflict');
    await app.page.getByTestId('conflict-banner').waitFor();
    await screenshot(app.page, 'editor-conflict');
    await app.page.getByTestId('conflict-keep-mine').click();
    await expect.poll(saveState, POLL).toBe('saved');
    expect((await maskPixel(200, 100)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    await app.page.reload();
    await expect.poll(saveState, POLL).toBe('saved');
    expect((await maskPixel(200, 100)).slice(0, 3)).toEqual(PAVEMENT_RGB);

    // It changes again; this time take theirs: the editor shows the dataset's new file.
    const third = path.basename(lines[2]!.split(/\s+/)[1]!);
    copyFileSync(path.join(app.datasetDir, 'trainannot', third), annotation);
    await app.page.reload();
    await expect.poll(saveState, POLL).toBe('conflict');
    await app.page.getByTestId('conflict-take-theirs').click();
    await expect.poll(saveState, POLL).toBe('saved');
    const { data, info } = await sharp(annotation)
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const classes = JSON.parse(readFileSync(path.join(app.datasetDir, 'labels.json'), 'utf8')) as {
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
    await app.page.getByTestId(`class-option-${PAVEMENT}`).click();
    // Fill the sky region (contiguous, by class).
    await app.page.getByTestId('tool-fill').click();
    let p = await screenPoint(240, 5);
    await app.page.mouse.click(p.x, p.y);
    expect((await maskPixel(240, 5)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    await app.page.getByTestId('undo').click();
    expect(await maskPixel(240, 5)).toEqual(sky);

    // A triangle: three clicks and Enter.
    await app.page.getByTestId('tool-polygon').click();
    for (const [x, y] of [
      [20, 150],
      [80, 150],
      [50, 100],
    ] as const) {
      p = await screenPoint(x, y);
      await app.page.mouse.click(p.x, p.y);
    }
    await app.page.keyboard.press('Enter');
    const building = await maskPixel(20, 110);
    expect((await maskPixel(50, 140)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    expect(building.slice(0, 3)).toEqual([128, 0, 0]);
    await app.page.getByTestId('undo').click();
    expect(await maskPixel(50, 140)).toEqual(building);

    // Superpixels come from a worker; the brush paints whole cells once they are ready.
    await app.page.getByTestId('tool-superpixel').click();
    await expect.poll(() => app.page.getByText('Computing superpixels…').count(), POLL).toBe(0);
    p = await screenPoint(400, 30);
    await app.page.mouse.click(p.x, p.y);
    expect((await maskPixel(400, 30)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    const painted = await app.page.getByTestId('editor-canvas').evaluate((el) => {
      const d = (el as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 480, 360).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (d[i] === 60 && d[i + 1] === 40 && d[i + 2] === 222) n++;
      return n;
    });
    await app.page.getByTestId('undo').click();
    const before = await app.page.getByTestId('editor-canvas').evaluate((el) => {
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
    await app.page.getByTestId('tool-eraser').click();
    p = await screenPoint(240, 5);
    await app.page.mouse.click(p.x, p.y);
    expect((await maskPixel(240, 5))[3]).toBe(0);
    await app.page.keyboard.press('Control+z');
    expect(await maskPixel(240, 5)).toEqual(sky);
    await expect.poll(saveState, { timeout: 15_000 }).toBe('saved');
  });

  it('marks the sample reviewed, adds a class, and says when nothing is left unlabeled', async () => {
    await app.page.getByTestId('mark-reviewed').click();
    await expect.poll(() => app.page.getByTestId('label-state').innerText(), POLL).toBe('reviewed');
    await app.page.getByTestId('class-add-name').fill('Puddle');
    await app.page.getByTestId('class-add').click();
    const added = app.page.locator('[data-testid^="class-option-"]', { hasText: 'Puddle' });
    await added.waitFor();
    expect(await added.getAttribute('data-testid')).toBe('class-option-12');
    expect(await added.getAttribute('class')).toMatch(/\bon\b/);
    // Every CamVid frame has a mask, so all count as labeled.
    await app.page.getByTestId('next-unlabeled').click();
    await expect
      .poll(() => app.page.getByTestId('editor-message').innerText(), POLL)
      .toMatch(/Every sample is labeled/);
  });

  it('zooms to the cursor with the wheel, pans with the middle button, fits and shows 1:1', async () => {
    const canvas = app.page.getByTestId('editor-canvas');
    const fitted = (await canvas.boundingBox())!;
    const target = await screenPoint(120, 90);
    await app.page.mouse.move(target.x, target.y);
    await app.page.mouse.wheel(0, -600);
    const zoomed = (await canvas.boundingBox())!;
    expect(zoomed.width).toBeGreaterThan(fitted.width * 1.5);
    // The image pixel under the cursor stays under the cursor.
    const after = await screenPoint(120, 90);
    expect(Math.abs(after.x - target.x)).toBeLessThan(zoomed.width / 480 + 1);
    expect(Math.abs(after.y - target.y)).toBeLessThan(zoomed.height / 360 + 1);
    await app.page.mouse.down({ button: 'middle' });
    await app.page.mouse.move(target.x + 100, target.y + 40, { steps: 4 });
    await app.page.mouse.up({ button: 'middle' });
    const panned = (await canvas.boundingBox())!;
    expect(panned.x - zoomed.x).toBeCloseTo(100, 0);
    expect(panned.y - zoomed.y).toBeCloseTo(40, 0);
    expect(panned.width).toBeCloseTo(zoomed.width, 3);
    await app.page.getByTestId('zoom-actual').click();
    expect((await canvas.boundingBox())!.width).toBeCloseTo(480, 0);
    await app.page.getByTestId('zoom-fit').click();
    expect((await canvas.boundingBox())!.width).toBeCloseTo(fitted.width, 0);
  });

  it('renames a class by double-clicking it', async () => {
    await app.page.getByTestId('class-option-9').dblclick();
    const input = app.page.getByTestId('class-option-9').locator('input');
    await input.fill('Person');
    await input.press('Enter');
    await expect
      .poll(() => app.page.getByTestId('class-option-9').innerText(), POLL)
      .toMatch(/Person/);
    await app.page.reload();
    await expect
      .poll(() => app.page.getByTestId('class-option-9').innerText(), POLL)
      .toMatch(/Person/);
  });

  it('switches tools from the keyboard and fits a 1280x720 window', async () => {
    await app.page.setViewportSize({ width: 1280, height: 720 });
    await app.page.keyboard.press('e');
    await expect
      .poll(() => app.page.getByTestId('tool-eraser').getAttribute('class'), POLL)
      .toMatch(/\bon\b/);
    await app.page.keyboard.press('f');
    await expect
      .poll(() => app.page.getByTestId('tool-fill').getAttribute('class'), POLL)
      .toMatch(/\bon\b/);
    await app.page.getByTestId('zoom-fit').click();
    const box = (await app.page.getByTestId('editor-canvas').boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(1280);
    expect(box.y + box.height).toBeLessThanOrEqual(720);
    const hover = await screenPoint(240, 5);
    await app.page.mouse.move(hover.x, hover.y);
    await expect
      .poll(() => app.page.getByTestId('editor-hover').innerText(), POLL)
      .toMatch(/240, 5 · Sky/);
    await screenshot(app.page, 'editor-1280x720');
    expect(app.pageErrors).toEqual([]);
  });
});
