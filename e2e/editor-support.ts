/**
 * Helpers of the editor e2e tests: a CamVid copy to edit (list lines verbatim, a few frames
 * per split) served and open in Chromium, and reading the editor's mask back from its overlay
 * canvas.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { copyCamvidSubset, unlabelLastOf } from '../tests/support/datasets';
import { openBrowser, startServe, startTinyRun, stop, type ServeHandle } from './harness';

export { CAMVID } from '../tests/support/datasets';

/** Poll options: generous, the machine running these is shared and often loaded. */
export const POLL = { timeout: 30_000 } as const;

/** Copies labels.json and the first `count` frames of each split; returns the folder. */
export function copyCamvid(count: number): string {
  return copyCamvidSubset({ train: count, val: count }, 'e2e-editor');
}

/** A served CamVid copy open in a page; filled in by the beforeAll `serveCamvidCopy` adds. */
export interface ServedCopy {
  readonly datasetDir: string;
  readonly serve: ServeHandle;
  readonly page: Page;
  /** Uncaught errors of the page so far; a test ends by expecting none. */
  readonly pageErrors: string[];
  /** Per split, the ids of the frames made unlabeled (`unlabeled` option), in list order. */
  readonly unlabeled: Readonly<Record<'train' | 'val', readonly string[]>>;
}

export interface CopyOptions {
  /** The last this many frames of each split lose their annotation file (unlabeled samples). */
  readonly unlabeled?: number;
}

/**
 * Adds this file's beforeAll and afterAll: `copyCamvid(count)` (with `options.unlabeled`
 * frames per split turned unlabeled) served in serve mode and opened in Chromium; afterAll
 * stops both and removes the copy. Read the fields inside tests only.
 */
export function serveCamvidCopy(count: number, options: CopyOptions = {}): ServedCopy {
  const unlabeled: Record<'train' | 'val', string[]> = { train: [], val: [] };
  const served = { pageErrors: [] as string[], unlabeled } as {
    datasetDir: string;
    serve: ServeHandle;
    page: Page;
    pageErrors: string[];
    unlabeled: Record<'train' | 'val', string[]>;
  };
  beforeAll(async () => {
    served.datasetDir = copyCamvid(count);
    for (const split of ['train', 'val'] as const) {
      served.unlabeled[split] = unlabelLastOf(served.datasetDir, split, options.unlabeled ?? 0);
    }
    served.serve = await startServe({ args: [served.datasetDir] });
    ({ page: served.page } = await openBrowser(served.serve.url));
    served.page.on('pageerror', (e) => served.pageErrors.push(e.message));
  });
  afterAll(async () => {
    await stop();
    rmSync(served.datasetDir, { recursive: true, force: true });
  });
  return served;
}

/** Trains a one-epoch run of 64 x `height` from the Train view and waits for it to finish. */
export async function trainTinyRun(app: ServedCopy, name: string, height = 48): Promise<void> {
  const { page } = app;
  await page.goto(`${app.serve.origin}/#/train`);
  await page.getByTestId('train-form').waitFor();
  await expect.poll(() => page.getByTestId('train-width').inputValue()).not.toBe('');
  await startTinyRun(page, { name, epochs: 1, height });
  await expect
    .poll(() => page.getByTestId('run-state').innerText(), { timeout: 240_000 })
    .toBe('finished');
}

/** Train sample ids of a copy, in list order. */
export function trainIds(dir: string): string[] {
  return readFileSync(path.join(dir, 'train.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => path.basename(l.split(/\s+/)[0]!, '.png'));
}

/** RGBA of the overlay canvas (the mask at image resolution) at image pixel (x, y). */
export function maskPixelOf(page: Page, x: number, y: number): Promise<number[]> {
  return page.getByTestId('editor-canvas').evaluate(
    (el, [px, py]) => {
      const ctx = (el as HTMLCanvasElement).getContext('2d')!;
      return Array.from(ctx.getImageData(px!, py!, 1, 1).data);
    },
    [x, y],
  );
}

/** RGBA of the overlay canvas at each image pixel of `points`, in order. */
export function maskPixelsOf(page: Page, points: readonly [number, number][]): Promise<number[][]> {
  return page.getByTestId('editor-canvas').evaluate((el, pts) => {
    const ctx = (el as HTMLCanvasElement).getContext('2d')!;
    return pts.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data));
  }, points);
}

/** Drags the active tool along image row `y` from x0 to x1 (image pixels of a WxH mask). */
export async function dragRow(
  page: Page,
  size: { width: number; height: number },
  y: number,
  x0: number,
  x1: number,
): Promise<void> {
  const box = (await page.getByTestId('editor-canvas').boundingBox())!;
  const at = (x: number) => ({
    x: box.x + ((x + 0.5) / size.width) * box.width,
    y: box.y + ((y + 0.5) / size.height) * box.height,
  });
  await page.mouse.move(at(x0).x, at(x0).y);
  await page.mouse.down();
  await page.mouse.move(at(x1).x, at(x1).y, { steps: 12 });
  await page.mouse.up();
}
