/**
 * Active labelling in serve mode on a CamVid copy whose last two frames per split have no
 * annotation file (unlabeled samples): train a tiny run, "Label next" opens the editor on the
 * val sample the model is least sure of (the CLI's ranking, same service), a person labels it,
 * then "Pre-label the rest as drafts" drafts the other one from the model and leaves the
 * person's label alone; Browse shows each state.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultProjectDir } from '../main/services/project-store';
import { lastJsonLine, runSegstudio } from '../tests/support/cli';
import { dragRow, maskPixelsOf, POLL, serveCamvidCopy, trainTinyRun } from './editor-support';
import { screenshot } from './harness';

const RUN = 'next-base';
const ROAD_RGB = [128, 64, 128];
const SIZE = { width: 480, height: 360 };

const app = serveCamvidCopy(5, { unlabeled: 2 });

const text = (testid: string) => app.page.getByTestId(testid).innerText();
const saveState = () => app.page.getByTestId('save-state').getAttribute('data-state');
/** A grid of image pixels over the whole frame. */
const GRID: [number, number][] = [];
for (let y = 20; y < SIZE.height; y += 40)
  for (let x = 20; x < SIZE.width; x += 40) GRID.push([x, y]);

async function pickRun(): Promise<void> {
  await app.page.goto(`${app.serve.origin}/#/evaluate`);
  await app.page.getByTestId('pick-run').selectOption(RUN);
  await app.page.getByTestId('pick-split').selectOption('val');
}

/** Browse filtered by one label state: the ids shown and each badge's state. */
async function browseState(state: string): Promise<{ id: string; badge: string | null }[]> {
  await app.page.goto(`${app.serve.origin}/#/browse`);
  await app.page.getByTestId('filter-label-state').selectOption(state);
  await expect.poll(() => text('sample-count'), POLL).toMatch(/^\d+ samples?$/);
  const n = Number((await text('sample-count')).split(' ')[0]);
  const tiles = app.page.locator('[data-testid="label-badge"]');
  await expect.poll(() => tiles.count(), POLL).toBe(n);
  return tiles.evaluateAll((els) =>
    els.map((el) => ({
      id: el.closest('[data-sample]')?.getAttribute('data-sample') ?? '',
      badge: el.getAttribute('data-state'),
    })),
  );
}

describe('Label next and Pre-label the rest as drafts', () => {
  let ranked: string[] = [];

  it('Label next opens the editor on the most uncertain unlabeled sample, on a void mask', async () => {
    await trainTinyRun(app, RUN);
    const unlabeled = await browseState('unlabeled');
    expect(unlabeled.map((t) => t.badge)).toEqual([
      'unlabeled',
      'unlabeled',
      'unlabeled',
      'unlabeled',
    ]);

    // The ranking the CLI gives (same labels.rank code) is the queue the button walks.
    const projectDir = defaultProjectDir(path.join(app.serve.dataDir), app.datasetDir);
    const rank = runSegstudio(
      ['labels', 'rank', projectDir, '--run', RUN, '--split', 'val', '--json'],
      {},
      120_000,
    );
    expect(rank.status, rank.stderr).toBe(0);
    const samples = lastJsonLine<{ samples: { id: string; entropy: number }[] }>(
      rank.stdout,
    ).samples;
    ranked = samples.map((s) => s.id);
    expect([...ranked].sort()).toEqual([...app.unlabeled.val].sort());
    expect(samples[0]!.entropy).toBeGreaterThanOrEqual(samples[1]!.entropy);

    // Evaluation leaves the unlabeled val images out and says so.
    await pickRun();
    await app.page.getByTestId('evaluate').click();
    await app.page.getByTestId('failure-case-1').waitFor({ timeout: 180_000 });
    expect(await text('eval-note')).toContain('2 unlabeled samples not used (split val');
    await expect.poll(() => app.page.locator('[data-testid^="failure-case-"]').count()).toBe(3);
    await app.page.getByTestId('label-next').click();
    await app.page.waitForURL(new RegExp(`#/label/val/${ranked[0]}\\?`), POLL);
    expect(app.page.url()).toMatch(/queue=label-next/);
    await expect.poll(() => text('queue-place'), POLL).toBe('in queue 1 / 2');
    await expect.poll(saveState, POLL).toBe('saved');
    await expect.poll(() => text('label-state')).toBe('unlabeled');
    const canvas = app.page.getByTestId('editor-canvas');
    await expect.poll(() => canvas.evaluate((c) => (c as HTMLCanvasElement).width)).toBe(480);
    // No mask anywhere: every pixel is void (transparent in the overlay).
    expect((await maskPixelsOf(app.page, GRID)).every((p) => p[3] === 0)).toBe(true);

    // A person labels it: a road stroke, saved, and the sample is labeled.
    await app.page.getByTestId('class-option-3').click();
    await app.page.getByTestId('tool-brush').click();
    await app.page.getByTestId('brush-size').fill('15');
    await dragRow(app.page, SIZE, 100, 150, 330);
    expect((await maskPixelsOf(app.page, [[240, 100]]))[0]!.slice(0, 3)).toEqual(ROAD_RGB);
    await expect.poll(saveState, { timeout: 15_000 }).toBe('saved');
    await expect.poll(() => text('label-state')).toBe('labeled');
    await screenshot(app.page, 'label-next-editor-1440x900');

    await app.page.getByTestId('queue-next').click();
    await app.page.waitForURL(new RegExp(`#/label/val/${ranked[1]}\\?`), POLL);
    await expect.poll(() => text('queue-place')).toBe('in queue 2 / 2');
  });

  it('Pre-label drafts the rest from the model and never touches the human label', async () => {
    await pickRun();
    await app.page.getByTestId('prelabel').click();
    await expect.poll(() => text('prelabel'), POLL).toBe('Pre-label the rest as drafts');
    await expect
      .poll(() => app.page.getByText(/Pre-labelled 1 sample as drafts/).count(), POLL)
      .toBeGreaterThan(0);

    expect(await browseState('draft')).toEqual([{ id: ranked[1], badge: 'draft' }]);
    await screenshot(app.page, 'label-next-browse-drafts-1440x900');
    // Only val was pre-labelled: the train split's images are still unlabeled.
    expect((await browseState('unlabeled')).map((t) => t.id).sort()).toEqual(
      [...app.unlabeled.train].sort(),
    );
    // Edited in Seg Studio: the person's label (still labeled) and the model's draft.
    const edited = await browseState('edited');
    expect(edited.sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(
      [
        { id: ranked[0], badge: 'labeled' },
        { id: ranked[1], badge: 'draft' },
      ].sort((a, b) => (a.id! < b.id! ? -1 : 1)),
    );

    // The draft is the model's mask: every pixel has a class.
    await app.page.goto(`${app.serve.origin}/#/label/val/${ranked[1]}`);
    await expect.poll(saveState, POLL).toBe('saved');
    await expect.poll(() => text('label-state')).toBe('draft');
    expect((await maskPixelsOf(app.page, GRID)).every((p) => p[3] === 255)).toBe(true);

    // The person's label is as they left it: road on the stroke, void elsewhere.
    await app.page.goto(`${app.serve.origin}/#/label/val/${ranked[0]}`);
    await expect.poll(saveState, POLL).toBe('saved');
    await expect.poll(() => text('label-state')).toBe('labeled');
    const [stroke, corner] = await maskPixelsOf(app.page, [
      [240, 100],
      [20, 340],
    ]);
    expect(stroke!.slice(0, 3)).toEqual(ROAD_RGB);
    expect(corner![3]).toBe(0);
    expect(app.pageErrors).toEqual([]);
  });
});
