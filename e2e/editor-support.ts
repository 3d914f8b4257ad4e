/**
 * Helpers of the editor e2e tests: a CamVid copy to edit (list lines verbatim, a few frames
 * per split), and reading the editor's mask back from its overlay canvas.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { copyCamvidSubset } from '../tests/support/datasets';

export { CAMVID } from '../tests/support/datasets';

/** Poll options: generous, the machine running these is shared and often loaded. */
export const POLL = { timeout: 30_000 } as const;

/** Copies labels.json and the first `count` frames of each split; returns the folder. */
export function copyCamvid(count: number): string {
  return copyCamvidSubset({ train: count, val: count }, 'e2e-editor');
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
