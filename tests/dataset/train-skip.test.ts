/**
 * A sample whose image passes every header check but whose pixel data is scrambled (valid
 * CRC): opening without the full check keeps it, so training meets it. It must be skipped
 * with a warning naming the file — never a crash, never a deleted run folder.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset, SkippingSampleSource, type SkipReport } from '../../main/dataset/index';
import { validateModel } from '../../main/engine/evaluate';
import { getTf } from '../../main/native/backend';
import { tinySegModel } from '../eval/helpers/fixture-dataset';
import { ensureBuilt } from '../support/build';
import { runSegstudio } from '../support/cli';
import { scrambleIdat } from './fixtures/fuzz';
import { greyMaskPng, photoPng } from './fixtures/images';
import { write } from './fixtures/write';
import { tempDir } from '../support/folders';

const W = 32;
const H = 32;

async function makeSet(root: string): Promise<string> {
  write(
    path.join(root, 'labels.json'),
    JSON.stringify([
      { id: 0, name: 'sky', rgb_values: [128, 128, 128] },
      { id: 1, name: 'road', rgb_values: [128, 64, 128] },
    ]),
  );
  for (const [i, name] of ['a', 'b', 'c', 'd'].entries()) {
    const photo = await photoPng(W, H, i);
    write(
      path.join(root, 'images', 'train', `${name}.png`),
      name === 'b' ? scrambleIdat(photo) : photo,
    );
    write(path.join(root, 'masks', 'train', `${name}.png`), greyMaskPng(W, H, [0, 1]));
  }
  return path.join(root, 'images', 'train', 'b.png');
}

describe('training over an undecodable sample', () => {
  const work = tempDir('train-skip');
  let broken: string;
  beforeAll(async () => {
    ensureBuilt();
    broken = await makeSet(path.join(work.dir, 'data'));
  });
  afterAll(() => work.cleanup());

  it('the full check names it; a headers-only open keeps it', async () => {
    const deep = await openDataset(path.join(work.dir, 'data'), { deep: true });
    expect(deep.problems).toMatchObject([{ sample: 'b', path: broken, reason: 'corrupt_file' }]);
    const quick = await openDataset(path.join(work.dir, 'data'));
    expect(quick.split('train').usable).toBe(4);
  });

  it('the sample source skips it once, names the file and counts it, and loads the next one', async () => {
    const index = await openDataset(path.join(work.dir, 'data'));
    const skips: SkipReport[] = [];
    const source = new SkippingSampleSource(index.source('train'), (s) => skips.push(s));
    const loaded = [];
    for (let i = 0; i < source.count; i++) loaded.push((await source.load(i)).id);
    expect(loaded).toEqual(['a', 'c', 'c', 'd']);
    expect(skips).toHaveLength(1);
    expect(skips[0]).toMatchObject({ split: 'train', sampleId: 'b', skipped: 1 });
    expect(skips[0]!.message).toContain(broken);
    expect(source.skipped).toBe(1);
  });

  it('validation leaves it out and counts every other sample once (never a replacement)', async () => {
    const index = await openDataset(path.join(work.dir, 'data'));
    const source = index.source('train');
    const model = tinySegModel(getTf(), { width: 16, height: 16, numClasses: 2 });
    const normalization = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } as {
      mean: [number, number, number];
      std: [number, number, number];
    };
    try {
      const left: string[] = [];
      const { result, loss } = await validateModel(model, source, {
        normalization,
        batchSize: 2,
        classWeights: null,
        onUndecodable: (i, err) => left.push(`${source.sampleId(i)}: ${(err as Error).message}`),
      });
      expect(result.perImage.map((p) => p.sample)).toEqual(['a', 'c', 'd']);
      expect(left).toHaveLength(1);
      expect(left[0]).toContain(`b: image ${broken} cannot be decoded`);
      expect(loss).toBeGreaterThan(0);
      // Without the option, an evaluation still fails naming the file.
      await expect(
        validateModel(model, source, { normalization, batchSize: 2, classWeights: null }),
      ).rejects.toThrow(broken);
    } finally {
      model.dispose();
    }
  });

  it('segstudio train finishes its steps, warns with the file and the count, keeps the run folder', () => {
    const runDir = path.join(work.dir, 'run-1');
    const run = runSegstudio(
      [
        'train',
        '--dataset',
        path.join(work.dir, 'data'),
        '--run',
        runDir,
        '--val',
        'none',
        '--size',
        '32x32',
        '--batch',
        '2',
        '--steps',
        '4',
      ],
      {},
      240_000,
    );
    expect(run.stderr).toContain(
      `Skipped sample b of split train: image ${broken} cannot be decoded`,
    );
    expect(run.stderr).toContain('1 sample of train skipped in this run');
    expect(run.status).toBe(0);
    expect(existsSync(path.join(runDir, 'run.json'))).toBe(true);
    expect(readdirSync(path.join(runDir, 'checkpoints'))).toContain('last');
  }, 300_000);
});
