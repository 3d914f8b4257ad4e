import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_LAYERS, mediaPath, type SampleLayer } from '../../main/media/resolve';
import { createServeHost } from '../../main/serve/host';
import { startServeServer, type ServeServer } from '../../main/serve/server';
import { createAppServices, type AppServices } from '../../main/services/index';
import { sampleDatasetDir } from '../../main/services/project';
import { serviceCalls } from '../support/services';

// The real services on a copy of the bundled sample in which some files are symlinks to real
// images and masks outside the dataset. Every media kind of a sample made from such a file is
// refused (403, over HTTP too), and nothing is rendered from it into the project cache. A link
// there at open makes its sample an `outside_dataset` problem (IMAGE_OUT); the media check
// still guards a file turned into a link after the open (MASK_OUT) and predictions (PRED_OUT).

let base: string;
let dataset: string;
let services: AppServices;
let server: ServeServer;
const { call } = serviceCalls(() => services);

const RUN = 'run-x';
/** Sample ids and which of their files points outside. */
const IMAGE_OUT = 'scene_train_001';
const MASK_OUT = 'scene_train_002';
const PRED_OUT = 'scene_train_003';
const ALL_INSIDE = 'scene_train_004';

/**
 * Layers made from a mask or a prediction (pred layers are made from the image too): every
 * layer but the image and its thumbnail.
 */
const FROM_MASK: readonly SampleLayer[] = SAMPLE_LAYERS.filter(
  (l) => l !== 'image' && l !== 'thumb',
);
const FROM_PRED: readonly SampleLayer[] = ['pred', 'predIndex', 'error'];

function linkOut(inside: string, outside: string): void {
  mkdirSync(path.dirname(outside), { recursive: true });
  cpSync(inside, outside);
  unlinkSync(inside);
  symlinkSync(outside, inside);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

let runsDir: string;
let cacheDir: string;
let warmUpMessage: string | undefined;

beforeAll(async () => {
  base = mkdtempSync(path.join(os.tmpdir(), 'segstudio-confine-'));
  dataset = path.join(base, 'dataset');
  cpSync(sampleDatasetDir(), dataset, { recursive: true });
  const outside = path.join(base, 'outside');
  linkOut(path.join(dataset, 'train', `${IMAGE_OUT}.png`), path.join(outside, 'image.png'));

  services = createAppServices(createServeHost(path.join(base, 'data')));
  // Opening starts the thumbnail warm-up job; the cache checks below need it finished.
  const warmedUp = new Promise<string | undefined>((resolve) =>
    services.events.addSink((channel, payload) => {
      const job = payload as { kind?: string; state?: string; message?: string };
      if (channel === 'project@job' && job.kind === 'thumbnails' && job.state !== 'running') {
        resolve(job.message);
      }
    }),
  );
  await call('project:openDataset', { datasetDir: dataset });
  warmUpMessage = await warmedUp;
  // Swapped for a link after the open (the warm-up reads images only, so it is not racing).
  linkOut(path.join(dataset, 'trainannot', `${MASK_OUT}.png`), path.join(outside, 'mask.png'));
  ({ runsDir, cacheDir } = services.session.require());
  // Predictions in the dataset's encoding, as `segstudio predict` leaves them in a run.
  const preds = path.join(runsDir, RUN, 'predictions', 'train');
  mkdirSync(preds, { recursive: true });
  for (const id of [IMAGE_OUT, MASK_OUT, PRED_OUT, ALL_INSIDE]) {
    cpSync(path.join(sampleDatasetDir(), 'trainannot', `${id}.png`), path.join(preds, `${id}.png`));
  }
  linkOut(path.join(preds, `${PRED_OUT}.png`), path.join(outside, 'pred.png'));

  server = await startServeServer({
    services,
    media: services.media,
    rendererDir: path.join(base, 'no-renderer'),
    token: 'confinement-token',
  });
});

afterAll(async () => {
  await server?.close();
  await services?.dispose();
  rmSync(base, { recursive: true, force: true });
});

const layerPath = (id: string, layer: SampleLayer): string =>
  mediaPath('sample', 'train', id, layer, RUN);

async function httpStatus(media: string): Promise<number> {
  const r = await fetch(`${server.origin}/media/${media}`, {
    headers: { authorization: 'Bearer confinement-token' },
  });
  await r.arrayBuffer();
  return r.status;
}

describe('media of samples whose files link outside the dataset', () => {
  it('opens the dataset with the sample linked at open as outside_dataset, the others usable', async () => {
    const rows = await call<{ items: { id: string; usable: boolean; problemReasons: string[] }[] }>(
      'dataset:samples',
      { split: 'train', limit: 10 },
    );
    const row = (id: string) => rows.items.find((r) => r.id === id);
    expect(row(IMAGE_OUT)).toMatchObject({ usable: false, problemReasons: ['outside_dataset'] });
    for (const id of [MASK_OUT, PRED_OUT, ALL_INSIDE]) expect(row(id)?.usable, id).toBe(true);
  });

  it('offers no layer of the sample linked at open, not even its image', async () => {
    // Its problem names no image (the file is outside), so there is nothing to show.
    for (const layer of SAMPLE_LAYERS) {
      const r = await services.media.resolve(layerPath(IMAGE_OUT, layer));
      expect(r, `${IMAGE_OUT} ${layer}`).toMatchObject({ ok: false, status: 404 });
      expect(await httpStatus(layerPath(IMAGE_OUT, layer)), `${layer} over HTTP`).toBe(404);
    }
  });

  const cases: [string, string, readonly SampleLayer[]][] = [
    ['its mask', MASK_OUT, FROM_MASK],
    ['its prediction', PRED_OUT, FROM_PRED],
  ];
  for (const [what, id, refused] of cases) {
    it(`refuses every layer made from ${what} and renders nothing from it`, async () => {
      const cacheBefore = filesUnder(cacheDir);
      for (const layer of SAMPLE_LAYERS) {
        const r = await services.media.resolve(layerPath(id, layer));
        if (refused.includes(layer)) {
          expect(r, `${id} ${layer}`).toMatchObject({ ok: false, status: 403 });
          expect(await httpStatus(layerPath(id, layer)), `${id} ${layer} over HTTP`).toBe(403);
        } else {
          expect(r.ok, `${id} ${layer} is made from files inside`).toBe(true);
        }
      }
      const made = filesUnder(cacheDir).filter((f) => !cacheBefore.includes(f));
      // Only the layers made from files inside may have been rendered.
      const allowed = SAMPLE_LAYERS.filter((l) => !refused.includes(l) && l !== 'image').length;
      expect(made.length, made.join('\n')).toBeLessThanOrEqual(allowed);
    });
  }

  it('serves every layer of a sample whose files are all inside', async () => {
    for (const layer of SAMPLE_LAYERS) {
      expect((await services.media.resolve(layerPath(ALL_INSIDE, layer))).ok, layer).toBe(true);
      expect(await httpStatus(layerPath(ALL_INSIDE, layer)), layer).toBe(200);
    }
  });

  it('the warm-up made the thumbnail of every usable sample (not the outside one)', async () => {
    expect(warmUpMessage).toBeUndefined();
    const rows = await call<{ total: number }>('dataset:samples', {});
    expect(filesUnder(path.join(cacheDir, 'thumbnails'))).toHaveLength(rows.total - 1);
  });

  it('never rendered a thumbnail of the outside image (the reported leak)', async () => {
    const before = filesUnder(path.join(cacheDir, 'thumbnails'));
    expect(await httpStatus(layerPath(IMAGE_OUT, 'thumb'))).toBe(404);
    expect(filesUnder(path.join(cacheDir, 'thumbnails'))).toEqual(before);
    // The same request for a sample inside does make one.
    expect(await httpStatus(layerPath(ALL_INSIDE, 'thumb'))).toBe(200);
  });
});
