import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descendantPids } from '../tests/support/serve-process';
import { CAMVID } from '../tests/support/datasets';
import {
  openBrowser,
  openTrainForm,
  screenshot,
  startServe,
  startTinyRun,
  stop,
  type ServeHandle,
} from './harness';

// Warnings a run reports while it goes on (a val split with no usable sample, an automatic
// restart after its worker died) show as warnings in the workbench, never as errors, and the
// run keeps training.

/** 8 CamVid images for train; a val split whose 2 annotations are missing (listed, unusable). */
function datasetWithUnusableVal(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-e2e-warn-'));
  copyFileSync(path.join(CAMVID, 'labels.json'), path.join(dir, 'labels.json'));
  const lines = readFileSync(path.join(CAMVID, 'train.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  for (const [split, picked] of [
    ['train', lines.slice(0, 8)],
    ['val', lines.slice(8, 10)],
  ] as const) {
    mkdirSync(path.join(dir, split));
    mkdirSync(path.join(dir, `${split}annot`));
    const listed: string[] = [];
    for (const line of picked) {
      const [image, annotation] = line
        .trim()
        .split(/\s+/)
        .map((p) => path.basename(p));
      copyFileSync(path.join(CAMVID, 'train', image!), path.join(dir, split, image!));
      if (split === 'train') {
        copyFileSync(
          path.join(CAMVID, 'trainannot', annotation!),
          path.join(dir, 'trainannot', annotation!),
        );
      }
      listed.push(`/SegNet/CamVid/${split}/${image} /SegNet/CamVid/${split}annot/${annotation}`);
    }
    writeFileSync(path.join(dir, `${split}.txt`), `${listed.join('\n')}\n`);
  }
  return dir;
}

/** The serve process's training worker (a process below it running training-worker.cjs). */
function trainingWorkerPid(servePid: number): number | null {
  for (const pid of descendantPids(servePid)) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('training-worker')) return pid;
    } catch {
      // Gone while we looked.
    }
  }
  return null;
}

let datasetDir: string;
let serve: ServeHandle;
let page: Page;

beforeAll(async () => {
  datasetDir = datasetWithUnusableVal();
  serve = await startServe({ args: [datasetDir], env: { TF_CPP_MIN_LOG_LEVEL: '2' } });
  ({ page } = await openBrowser(serve.url));
});

afterAll(async () => {
  await stop();
  rmSync(datasetDir, { recursive: true, force: true });
});

async function textOf(testid: string): Promise<string> {
  return (await page.getByTestId(testid).innerText()).trim();
}

describe('training warnings in the workbench', () => {
  it('shows "no usable val split" and a crash restart as warnings while the run keeps going', async () => {
    await openTrainForm(page);
    await startTinyRun(page, { name: 'warned', epochs: 200 });

    const warnings = page.getByTestId('toast-warning');
    await expect
      .poll(() => warnings.allInnerTexts(), { timeout: 120_000 })
      .toContainEqual(expect.stringContaining('No usable "val" split'));
    await expect.poll(() => textOf('run-state'), { timeout: 120_000 }).toBe('running');
    expect(await textOf('run-warnings')).toContain('No usable "val" split');

    // The worker dies under the run: the host restarts it from the last checkpoint.
    const pid = trainingWorkerPid(serve.pid);
    expect(pid, serve.output()).not.toBeNull();
    process.kill(pid!, 'SIGKILL');
    await expect
      .poll(() => warnings.allInnerTexts(), { timeout: 120_000 })
      .toContainEqual(expect.stringContaining('restarting from the last checkpoint'));
    await expect.poll(() => trainingWorkerPid(serve.pid), { timeout: 120_000 }).not.toBe(pid);
    await expect.poll(() => textOf('run-state'), { timeout: 120_000 }).toBe('running');
    await screenshot(page, 'training-warnings');
    // Warnings only: no error toast, and the run was never paused or crashed by them.
    expect(await page.getByTestId('toast-error').count()).toBe(0);
    expect(await textOf('run-state')).toBe('running');
    // The restarted worker said it again; the run status lists it once.
    const listed = await page.getByTestId('run-warnings').locator('li').allInnerTexts();
    expect(listed.filter((w) => w.includes('No usable "val" split'))).toHaveLength(1);

    await page.getByTestId('train-stop').click();
    await expect.poll(() => textOf('run-state'), { timeout: 120_000 }).toBe('stopped');
  });
});
