/**
 * The loop in serve mode on a CamVid copy: train a tiny run, evaluate it, open the worst
 * failure case with Fix label, paint, saved, walk to the next failure case; then fine-tune
 * with the corrections and land on the comparison of the two runs.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CAMVID,
  dragRow,
  maskPixelOf,
  maskPixelsOf,
  POLL,
  serveCamvidCopy,
  trainTinyRun,
} from './editor-support';
import { screenshot } from './harness';

const BASE = 'loop-base';
const ROAD_RGB = [128, 64, 128];

const app = serveCamvidCopy(6);

const text = (testid: string) => app.page.getByTestId(testid).innerText();
const saveState = () => app.page.getByTestId('save-state').getAttribute('data-state');

async function shots(name: string): Promise<void> {
  await screenshot(app.page, `${name}-1440x900`);
  await app.page.setViewportSize({ width: 1280, height: 720 });
  await screenshot(app.page, `${name}-1280x720`);
  await app.page.setViewportSize({ width: 1440, height: 900 });
}

describe('close the loop: failure case -> fix -> fine-tune -> compare', () => {
  let failureOrder: string[] = [];

  it('opens the worst failure case in the editor with Fix label, paints and saves', async () => {
    await trainTinyRun(app, BASE);
    await app.page.getByTestId('nav-evaluate').click();
    await app.page.getByTestId('pick-run').selectOption(BASE);
    await app.page.getByTestId('pick-split').selectOption('val');
    await app.page.getByTestId('evaluate').click();
    await app.page.getByTestId('failure-case-1').waitFor({ timeout: 180_000 });
    // The default preset validates with a test-time flip and evaluates at three scales too; the
    // report says so.
    expect(await text('eval-flip')).toMatch(/test-time flip/);
    expect(await text('eval-scales')).toMatch(/scales 1 \/ 1\.25 \/ 1\.5/);
    failureOrder = await app.page
      .locator('[data-testid^="failure-case-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-sample') ?? ''));
    expect(failureOrder.length).toBe(6);

    await app.page.getByTestId('fix-label-0').click();
    await app.page.waitForURL(new RegExp(`#/label/val/${failureOrder[0]}\\?`));
    expect(app.page.url()).toMatch(/queue=failures/);
    // A val fix is not what a fine-tune learns from: the editor says so.
    expect(await text('editor-split-role')).toMatch(/^val: changes scores only$/);
    await expect.poll(saveState).toBe('saved');
    await expect.poll(() => text('queue-place')).toBe('failure case 1 / 6');

    // Paint road across row 100 (buildings and trees in CamVid frames, never road).
    const canvas = app.page.getByTestId('editor-canvas');
    await expect.poll(() => canvas.evaluate((c) => (c as HTMLCanvasElement).width)).toBe(480);
    expect((await maskPixelOf(app.page, 240, 100)).slice(0, 3)).not.toEqual(ROAD_RGB);
    await app.page.getByTestId('class-option-3').click();
    await app.page.getByTestId('tool-brush').click();
    await app.page.getByTestId('brush-size').fill('15');
    const box = (await canvas.boundingBox())!;
    const at = (x: number) => ({
      x: box.x + ((x + 0.5) / 480) * box.width,
      y: box.y + (100.5 / 360) * box.height,
    });
    await app.page.mouse.move(at(150).x, at(150).y);
    await app.page.mouse.down();
    await app.page.mouse.move(at(330).x, at(330).y, { steps: 12 });
    await app.page.mouse.up();
    expect((await maskPixelOf(app.page, 240, 100)).slice(0, 3)).toEqual(ROAD_RGB);
    await expect.poll(saveState, { timeout: 15_000 }).toBe('saved');
    await shots('loop-fix-label');

    // Next walks the failure cases in failure order, not by name.
    await app.page.getByTestId('queue-next').click();
    await app.page.waitForURL(new RegExp(`#/label/val/${failureOrder[1]}\\?`));
    await expect.poll(() => text('queue-place')).toBe('failure case 2 / 6');
    await app.page.getByTestId('queue-previous').click();
    await app.page.waitForURL(new RegExp(`#/label/val/${failureOrder[0]}\\?`));
    await expect.poll(saveState).toBe('saved');
    // The saved edit is what the editor shows on coming back.
    await expect
      .poll(async () => (await maskPixelOf(app.page, 240, 100)).slice(0, 3))
      .toEqual(ROAD_RGB);

    // Browse shows the sample as edited.
    await app.page.goto(`${app.serve.origin}/#/browse`);
    await app.page.getByTestId('filter-label-state').selectOption('edited');
    await expect.poll(() => text('sample-count')).toMatch(/^1 samples?$/);
    await expect
      .poll(() => app.page.getByTestId('label-badge').first().innerText())
      .toMatch(/edited/);
  });

  it('starts from the model: replace, fill void, accept brush and the uncertainty overlay', async () => {
    const id = failureOrder[1]!;
    await app.page.goto(`${app.serve.origin}/#/label/val/${id}?run=${BASE}`);
    await app.page.getByTestId('replace-with-prediction').waitFor(POLL);
    await expect.poll(saveState).toBe('saved');
    const size = { width: 480, height: 360 };
    const points: [number, number][] = [];
    for (let y = 20; y < 360; y += 40) for (let x = 20; x < 480; x += 40) points.push([x, y]);
    const before = await maskPixelsOf(app.page, points);

    // Replace with prediction: every pixel is the model's class; undo gives the mask back.
    await app.page.getByTestId('replace-with-prediction').click();
    const predicted = await maskPixelsOf(app.page, points);
    expect(predicted.every((p) => p[3] === 255)).toBe(true);
    expect(predicted).not.toEqual(before);
    await app.page.getByTestId('undo').click();
    expect(await maskPixelsOf(app.page, points)).toEqual(before);

    // Fill void from prediction: only the erased stripe takes the model's classes.
    await app.page.getByTestId('tool-eraser').click();
    await app.page.getByTestId('brush-size').fill('15');
    await dragRow(app.page, size, 180, 0, 479);
    const stripe = points.map(([, y]) => Math.abs(y - 180) <= 4);
    const erased = await maskPixelsOf(app.page, points);
    expect(erased.filter((_, i) => stripe[i]).every((p) => p[3] === 0)).toBe(true);
    await app.page.getByTestId('fill-void-from-prediction').click();
    const filled = await maskPixelsOf(app.page, points);
    points.forEach((_, i) => {
      if (stripe[i]) expect(filled[i]).toEqual(predicted[i]);
      else if (before[i]![3] === 255) expect(filled[i]).toEqual(before[i]);
    });
    await app.page.getByTestId('undo').click();
    await app.page.getByTestId('undo').click();
    expect(await maskPixelsOf(app.page, points)).toEqual(before);

    // The accept-prediction brush copies the model's classes under the stroke only.
    await app.page.getByTestId('tool-accept-prediction').click();
    await dragRow(app.page, size, 300, 0, 479);
    const accepted = await maskPixelsOf(app.page, points);
    points.forEach(([, y], i) => {
      expect(accepted[i]).toEqual(Math.abs(y - 300) <= 4 ? predicted[i] : before[i]);
    });
    await expect.poll(saveState, POLL).toBe('saved');

    // Uncertainty: the run's per-pixel entropy at its 64x48 input, stretched over the image.
    await app.page.getByTestId('uncertainty-toggle').click();
    await expect
      .poll(() => app.page.getByTestId('uncertainty-toggle').getAttribute('data-state'), {
        timeout: 180_000,
      })
      .toBe('shown');
    const overlay = app.page.getByTestId('uncertainty-overlay');
    const shape = await overlay.evaluate((c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let alpha = 0;
      for (let i = 3; i < data.length; i += 4) alpha = Math.max(alpha, data[i]!);
      return { w: canvas.width, h: canvas.height, alpha };
    });
    expect(shape.w).toBe(64);
    expect(shape.h).toBe(48);
    expect(shape.alpha).toBeGreaterThan(0);
    const mean = Number(await overlay.getAttribute('data-mean-entropy'));
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThanOrEqual(Math.log(11) + 1e-3);
    // Painting still reaches the mask under the overlay.
    expect(await overlay.evaluate((c) => getComputedStyle(c).pointerEvents)).toBe('none');
    await shots('loop-uncertainty');
    await app.page.getByTestId('uncertainty-toggle').click();
    await expect.poll(() => overlay.count()).toBe(0);
  });

  it('fine-tunes with the corrections and lands on the comparison of both runs', async () => {
    await app.page.getByTestId('nav-evaluate').click();
    await app.page.getByTestId('pick-run').selectOption(BASE);
    await app.page.getByTestId('pick-split').selectOption('val');
    // Val fixes only change scores: the view says so and reaches train's failure cases in one click.
    expect(await text('failure-split-note')).toMatch(
      /not what a fine-tune learns \(it trains on train\)/,
    );
    await app.page.getByTestId('find-train-failures').click();
    await expect.poll(() => app.page.getByTestId('pick-split').inputValue()).toBe('train');
    await expect.poll(() => app.page.getByTestId('failure-split-note').count(), POLL).toBe(0);
    await app.page.getByTestId('failure-case-0').waitFor({ timeout: 180_000 });
    await app.page.getByTestId('fine-tune').click();
    await expect.poll(() => app.page.getByTestId('fine-tune-name').inputValue()).toBe(`${BASE}-ft`);
    expect(await text('fine-tune-corrections')).toMatch(
      /^No corrected train sample yet: the fine-tune learns nothing new from your fixes; \d+ corrected val samples? only changes? how runs are scored\./,
    );
    await app.page.getByTestId('fine-tune-epochs').fill('1');
    await app.page.getByTestId('fine-tune-start').click();
    await app.page.waitForURL(/#\/train/);
    await app.page.getByTestId('fine-tune-result').waitFor();
    expect(await text('fine-tune-result')).toMatch(new RegExp(`Fine-tuned from ${BASE}`));

    // When it finishes, the comparison opens and evaluates both runs on val.
    await app.page.waitForURL(/#\/evaluate\/compare\?/, { timeout: 240_000 });
    await app.page.getByTestId('compare-table').waitFor({ timeout: 240_000 });
    expect(await app.page.getByTestId('compare-run-a').inputValue()).toBe(BASE);
    expect(await app.page.getByTestId('compare-run-b').inputValue()).toBe(`${BASE}-ft`);
    expect(await text('compare-miou-a')).toMatch(/\d+\.\d%/);
    expect(await text('compare-miou-b')).toMatch(/\d+\.\d%/);
    // Val labels were fixed since the source run's report: it was scored anew, not reused.
    expect(await text('compare-miou-a')).not.toMatch(/still current/);
    expect(await text('compare-miou-delta')).toMatch(/^mIoU change[\s\S]*(\+|\u2212)?\d+\.\d pts/i);
    // CamVid's 11 classes, each with A, B and the change.
    expect(await app.page.locator('[data-testid^="compare-row-"]').count()).toBe(11);
    const deltas = await app.page.getByTestId('compare-delta').allInnerTexts();
    expect(deltas.every((d) => /^([+\u2212]?\d+\.\d|—)$/.test(d.trim()))).toBe(true);
    await shots('loop-compare');
    expect(app.pageErrors).toEqual([]);
  });

  it('makes a project from a folder of unlabeled images and opens the first one to label', async () => {
    const photos = mkdtempSync(path.join(os.tmpdir(), 'segstudio-e2e-photos-'));
    try {
      for (const f of readdirSync(path.join(CAMVID, 'val')).sort().slice(0, 3)) {
        copyFileSync(path.join(CAMVID, 'val', f), path.join(photos, f));
      }
      await app.page.goto(`${app.serve.origin}/#/`);
      await app.page.getByTestId('images-folder').fill(photos);
      await app.page.getByTestId('images-classes').fill('road, car\nperson');
      await app.page.getByTestId('images-val').fill('0');
      await expect.poll(() => text('images-hint')).toBe('3 classes: road, car, person');
      await shots('loop-images-project');
      await app.page.getByTestId('images-create').click();
      await app.page.waitForURL(/#\/label\/train\//, { timeout: 60_000 });
      await expect.poll(saveState).toBe('saved');
      expect(await text('label-state')).toBe('unlabeled');
      for (const id of [0, 1, 2]) await app.page.getByTestId(`class-option-${id}`).waitFor();
    } finally {
      rmSync(photos, { recursive: true, force: true });
    }
  });
});
