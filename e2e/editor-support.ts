/**
 * Helpers of the editor e2e tests: a CamVid copy to edit (list lines verbatim, a few frames
 * per split), and reading the editor's mask back from its overlay canvas.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';

export const CAMVID = '/work/shared/datasets/camvid';

/** Poll options: generous, the machine running these is shared and often loaded. */
export const POLL = { timeout: 30_000 } as const;

/** Copies labels.json and the first `count` frames of each split; returns the folder. */
export function copyCamvid(count: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-e2e-editor-'));
  copyFileSync(path.join(CAMVID, 'labels.json'), path.join(dir, 'labels.json'));
  for (const split of ['train', 'val']) {
    mkdirSync(path.join(dir, split));
    mkdirSync(path.join(dir, `${split}annot`));
    const lines = readFileSync(path.join(CAMVID, `${split}.txt`), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .slice(0, count);
    for (const line of lines) {
      const [image, annotation] = line.trim().split(/\s+/);
      for (const [from, sub] of [
        [image!, split],
        [annotation!, `${split}annot`],
      ] as const) {
        copyFileSync(
          path.join(CAMVID, sub, path.basename(from)),
          path.join(dir, sub, path.basename(from)),
        );
      }
    }
    writeFileSync(path.join(dir, `${split}.txt`), `${lines.join('\n')}\n`);
  }
  return dir;
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
