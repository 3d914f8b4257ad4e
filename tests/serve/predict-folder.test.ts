import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProducedFile } from '../../shared/contracts/common';
import type { RunSummary } from '../../shared/contracts/training';
import { readZip } from '../../main/fs/zip';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import { ensureBuilt } from '../support/build';
import { serviceCalls } from '../support/services';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';

// Export "predicted masks for a folder": a real tiny run, real worker processes, a folder of
// the user's images that must come back as masks and stay untouched.
let base: string;
let dataset: string;
let images: string;
let services: AppServices;
const states: string[] = [];

async function dispatch(channel: string, payload: unknown) {
  return services.dispatcher.dispatch(channel, payload, { clientId: 'test' });
}

const { call } = serviceCalls(() => services);

function digest(dir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    hash.update(name);
    if (statSync(file).isFile()) hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

beforeAll(async () => {
  ensureBuilt();
  base = tempDir('predict-folder').dir;
  dataset = makeMiniCamvid({ train: 4, val: 2 });
  // The user's folder: three photos, a note, and a sub-folder that must not be entered.
  images = path.join(base, 'my photos');
  mkdirSync(path.join(images, 'nested'), { recursive: true });
  const photos = readdirSync(path.join(dataset, 'val')).slice(0, 2);
  photos.forEach((name, i) =>
    copyFileSync(path.join(dataset, 'val', name), path.join(images, `street ${i}.png`)),
  );
  copyFileSync(
    path.join(dataset, 'train', readdirSync(path.join(dataset, 'train'))[0]!),
    path.join(images, 'a#b.png'),
  );
  writeFileSync(path.join(images, 'notes.txt'), 'not an image');
  copyFileSync(path.join(images, 'a#b.png'), path.join(images, 'nested', 'deep.png'));

  services = createAppServices(createServeHost(path.join(base, 'data')));
  services.events.addSink((channel, payload) => {
    if (channel === 'training@state') states.push((payload as RunSummary).state);
  });
  await call('project:openDataset', {
    datasetDir: dataset,
    projectDir: path.join(base, 'project'),
  });
  await call('training:start', { runName: 'tiny', width: 64, height: 64, batch: 2, epochs: 1 });
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (states.some((s) => ['finished', 'stopped', 'crashed'].includes(s))) {
        clearInterval(timer);
        resolve();
      }
    }, 100);
  });
  expect(states.at(-1)).toBe('finished');
}, 180_000);

afterAll(async () => {
  await services.dispose();
  rmSync(base, { recursive: true, force: true });
  rmSync(dataset, { recursive: true, force: true });
});

describe('export predicted masks for a folder', () => {
  it('predicts the images directly inside the folder and leaves it untouched', async () => {
    const before = digest(images);
    const masks = await call<ProducedFile>('evaluation:exportPredictions', {
      runName: 'tiny',
      from: 'last',
      folder: images,
    });
    expect(path.basename(masks.path)).toBe('tiny-folder-my_photos-masks.zip');
    expect(masks.mediaPath).toBe('export/tiny-folder-my_photos-masks.zip');
    const names = readZip(readFileSync(masks.path))
      .map((e) => e.name)
      .sort();
    expect(names).toEqual(['a#b.png', 'street 0.png', 'street 1.png']);
    expect(digest(images)).toBe(before);

    const overlays = await call<ProducedFile>('evaluation:exportPredictions', {
      runName: 'tiny',
      from: 'last',
      folder: images,
      encoding: 'color',
    });
    expect(path.basename(overlays.path)).toBe('tiny-folder-my_photos-overlays.zip');
    expect(readZip(readFileSync(overlays.path))).toHaveLength(3);
  }, 120_000);

  it('says which folder cannot be predicted and why', async () => {
    const empty = path.join(base, 'empty');
    mkdirSync(empty);
    const cases: [string, RegExp][] = [
      [path.join(base, 'missing'), /missing.*does not exist/],
      [path.join(images, 'notes.txt'), /notes\.txt.*not a folder/],
      [empty, /empty.*holds no images/],
      ['relative/photos', /absolute path/],
    ];
    for (const [folder, message] of cases) {
      const r = await dispatch('evaluation:exportPredictions', {
        runName: 'tiny',
        from: 'last',
        folder,
      });
      expect(r.ok, folder).toBe(false);
      if (!r.ok) expect(r.error.message, folder).toMatch(message);
    }
  }, 120_000);
});
