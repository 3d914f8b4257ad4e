/**
 * Browse's prediction overlays through the real services: a tiny run on a mini CamVid copy
 * predicts thumbnail overlays in a worker on first request, serves them from the cache on the
 * next one (no job), and predicts again once the run's best checkpoint changes.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../shared/contracts/common';
import { startMiniCamvidServices } from '../support/services';

const app = startMiniCamvidServices('overlays', { train: 4, val: 2 });
const RUN = 'overlay-tiny';

interface OverlayAnswer {
  checkpoint: { kind: string; globalStep: number } | null;
  overlays: { split: string; id: string; media: string }[];
}

const predictJobs = () =>
  app.events.filter(
    (e) => e.channel === 'project@job' && (e.payload as JobProgress).kind === 'predict',
  ).length;

async function firstSamples(count: number): Promise<{ split: string; id: string }[]> {
  const page = await app.call<{ items: { split: string; id: string }[] }>('dataset:samples', {
    split: 'val',
    limit: count,
  });
  return page.items.map(({ split, id }) => ({ split, id }));
}

beforeAll(async () => {
  await app.openDataset();
  await app.trainTinyRun(RUN);
}, 300_000);
afterAll(() => app.dispose());

describe('dataset.overlayPredictions', () => {
  let samples: { split: string; id: string }[] = [];
  let first: OverlayAnswer;

  it('predicts the thumbnails of a run in the engine, in class colours', async () => {
    samples = await firstSamples(2);
    const jobsBefore = predictJobs();
    first = await app.call<OverlayAnswer>('dataset:overlayPredictions', { run: RUN, samples });
    expect(predictJobs()).toBeGreaterThan(jobsBefore);
    expect(first.checkpoint?.kind).toBe('best');
    expect(first.overlays.map(({ split, id }) => ({ split, id }))).toEqual(samples);
    const classes = await app.call<{ color: number[]; void?: boolean }[]>('dataset:classes');
    const colours = new Set(classes.map((c) => c.color.join(',')));
    for (const overlay of first.overlays) {
      const resolved = await app.services.media.resolve(overlay.media);
      if (!resolved.ok) throw new Error(`${overlay.media}: ${resolved.reason}`);
      const { data, info } = await sharp(resolved.file).raw().toBuffer({ resolveWithObject: true });
      expect(info.channels).toBe(4);
      expect(Math.max(info.width, info.height)).toBe(192);
      const seen = new Set<string>();
      for (let p = 0; p < data.length; p += 4) {
        if (data[p + 3] !== 255)
          throw new Error('a prediction is never void: every pixel is opaque');
        seen.add(`${data[p]},${data[p + 1]},${data[p + 2]}`);
      }
      expect([...seen].filter((c) => !colours.has(c))).toEqual([]);
    }
  }, 180_000);

  it('serves them from the cache the next time, without a job', async () => {
    const jobsBefore = predictJobs();
    const again = await app.call<OverlayAnswer>('dataset:overlayPredictions', {
      run: RUN,
      samples,
    });
    expect(again).toEqual(first);
    expect(predictJobs()).toBe(jobsBefore);
  });

  it('predicts again when the best checkpoint changes, and drops the old overlays', async () => {
    const manifest = path.join(
      app.base,
      'project',
      'runs',
      RUN,
      'checkpoints',
      'best',
      'manifest.json',
    );
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as {
      createdAt: string;
      globalStep: number;
    };
    // What a newer best checkpoint changes in its manifest: when and at which step it was made.
    m.createdAt = new Date(Date.parse(m.createdAt) + 60_000).toISOString();
    m.globalStep += 1;
    writeFileSync(manifest, JSON.stringify(m));
    const jobsBefore = predictJobs();
    const next = await app.call<OverlayAnswer>('dataset:overlayPredictions', { run: RUN, samples });
    expect(predictJobs()).toBeGreaterThan(jobsBefore);
    expect(next.checkpoint?.globalStep).toBe(m.globalStep);
    expect(next.overlays[0]!.media).not.toBe(first.overlays[0]!.media);
    const old = await app.services.media.resolve(first.overlays[0]!.media);
    expect(old.ok).toBe(false);
    const fresh = await app.services.media.resolve(next.overlays[0]!.media);
    expect(fresh.ok && existsSync(fresh.file)).toBe(true);
  }, 180_000);

  it('refuses a run name that is not one, in words', async () => {
    const error = await app.callError('dataset:overlayPredictions', { run: '../x', samples });
    expect(error.message).not.toMatch(/zod|Too small|regex/i);
  });
});
