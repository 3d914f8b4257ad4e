import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { makeTrainingConfig } from '../../main/engine/config';
import { decodeMask } from '../../main/dataset/decode';
import { openDataset } from '../../main/dataset/open';
import { exportModel, importModel } from '../../main/engine/export';
import { manifestFieldsFor } from '../../main/engine/export-fields';
import { buildModel } from '../../main/engine/models';
import { getTf } from '../../main/native/backend';
import { restoreModel } from '../../main/training/run-model';
import { packageRoot } from '../../main/paths';
import { ensureBuilt } from '../support/build';
import { lastJsonLine, runSegstudio } from '../support/cli';
import { CAMVID } from '../support/datasets';

const root = packageRoot();
const VAL_IMAGE = path.join(CAMVID, 'val', '0016E5_07959.png');

let dir: string;
let modelDir: string;

const segstudio = (args: string[]) => runSegstudio(args, {}, 90_000);

interface EvalJson {
  mIoU: number | null;
  pixelAccuracy: number | null;
  meanClassAccuracy: number | null;
  perClass: { id: number; name: string; iou: number | null; reason?: string }[];
  perImage: { sample: string; mIoU: number | null }[];
  confusion: number[][];
  backend: string;
}

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(path.join(os.tmpdir(), 'segstudio-evalcli-'));
  // A freshly initialised default-preset model for CamVid's 11 classes, exported.
  const index = await openDataset(CAMVID);
  const config = makeTrainingConfig({ preset: 'default', inputSize: { width: 96, height: 72 } });
  const { model } = buildModel(getTf(), config, index.mapper.classes.length);
  modelDir = path.join(dir, 'model');
  await exportModel(
    model,
    manifestFieldsFor({ config, classes: index.mapper.classes, descriptor: index.descriptor }),
    modelDir,
  );
  model.dispose();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('segstudio eval / predict / export / bench (real CLI processes)', () => {
  it('eval prints the metrics JSON for CamVid val images', () => {
    const run = segstudio(['eval', modelDir, '--dataset', CAMVID, '--limit', '2', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = lastJsonLine<EvalJson>(run.stdout);
    for (const v of [r.mIoU, r.pixelAccuracy, r.meanClassAccuracy]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(r.perClass.map((c) => c.name)).toContain('Road');
    expect(r.perClass).toHaveLength(11);
    for (const c of r.perClass) {
      if (c.iou === null) expect(c.reason).toMatch(/absent/);
      else expect(c.iou).toBeGreaterThanOrEqual(0);
    }
    expect(r.perImage.map((p) => p.sample)).toEqual(['0016E5_07959', '0016E5_07961']);
    // 2 images of 480x360 minus their void pixels.
    const counted = r.confusion.flat().reduce((a, b) => a + b, 0);
    expect(counted).toBeGreaterThan(0.8 * 2 * 480 * 360);
    expect(counted).toBeLessThanOrEqual(2 * 480 * 360);
    expect(run.stderr).toMatch(/eval \[/);
  });

  it('eval --csv writes the report as a flat table matching the JSON', async () => {
    const csv = path.join(dir, 'report.csv');
    const run = segstudio([
      'eval',
      modelDir,
      '--dataset',
      CAMVID,
      '--limit',
      '2',
      '--csv',
      csv,
      '--json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const r = lastJsonLine<EvalJson>(run.stdout);
    const rows = (await readFile(csv, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(rows[0]).toEqual([
      'scope',
      'id',
      'name',
      'iou',
      'accuracy',
      'gt_pixels',
      'pred_pixels',
      'note',
    ]);
    expect(rows[1]?.slice(0, 4)).toEqual(['overall', '', 'mIoU', String(r.mIoU)]);
    const classes = rows.filter((row) => row[0] === 'class');
    expect(classes.map((row) => row[2])).toEqual(r.perClass.map((c) => c.name));
    expect(classes.map((row) => row[3])).toEqual(
      r.perClass.map((c) => (c.iou === null ? '' : String(c.iou))),
    );
    const images = rows.filter((row) => row[0] === 'image');
    expect(images.map((row) => [row[2], row[3]])).toEqual(
      r.perImage.map((p) => [p.sample, String(p.mIoU)]),
    );
  });

  it('eval explains what is missing', () => {
    const noDataset = segstudio(['eval', modelDir]);
    expect(noDataset.status).toBe(2);
    expect(noDataset.stderr).toMatch(/--dataset DIR is required/);
    const noModel = segstudio(['eval', path.join(dir, 'nope'), '--dataset', CAMVID]);
    expect(noModel.status).toBe(1);
    expect(noModel.stderr).toMatch(/nope: no such run folder, model folder or file/);
  });

  it('predict writes masks with CamVid ids at the image size', async () => {
    const out = path.join(dir, 'pred');
    const run = segstudio(['predict', modelDir, VAL_IMAGE, '--out', out, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = lastJsonLine<{ images: { mask: string; overlay: string }[] }>(run.stdout);
    expect(r.images).toHaveLength(1);
    const mask = await decodeMask(r.images[0]!.mask, 'index');
    expect([mask.width, mask.height]).toEqual([480, 360]);
    for (const v of new Set(mask.keys)) expect(v).toBeLessThan(11);
    expect(existsSync(r.images[0]!.overlay)).toBe(true);
  });

  it('export writes a zip archive that unzip lists and importModel loads', async () => {
    const archive = path.join(dir, 'model.zip');
    const run = segstudio(['export', modelDir, '--out', archive, '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(lastJsonLine<{ format: string; classes: number }>(run.stdout)).toMatchObject({
      format: 'archive',
      classes: 11,
    });
    const listing = execFileSync('python3', ['-m', 'zipfile', '-l', archive], { encoding: 'utf8' });
    expect(listing).toMatch(/model\.json[\s\S]*weights\.bin[\s\S]*segstudio\.json/);
    const back = await importModel(archive);
    expect(back.manifest.classes[3]?.name).toBe('Road');
    back.model.dispose();
  });

  it('export converts a seed .pt and names the file when its shapes do not fit', () => {
    const fixture = path.join(root, 'tests', 'eval', 'fixtures', 'seed-mini.pt');
    const run = segstudio([
      'export',
      fixture,
      '--size',
      '127x127',
      '--out',
      path.join(dir, 'seed'),
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/seed-mini\.pt: "features\.0\.weight" has shape \[4, 3, 11, 11\]/);
  });

  it('bench prints median step time, images/s and the backend', () => {
    const run = segstudio([
      'bench',
      '--preset',
      'default',
      '--size',
      '64x64',
      '--batch',
      '2',
      '--classes',
      '4',
      '--steps',
      '2',
      '--warmup',
      '1',
      '--json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const r = lastJsonLine<{ median_step_s: number; img_per_s: number; backend: string }>(
      run.stdout,
    );
    expect(r.median_step_s).toBeGreaterThan(0);
    expect(r.img_per_s).toBeCloseTo(2 / r.median_step_s, 6);
    expect(r.backend).toMatch(/tensorflow|cpu/);
    // The table (stderr with --json, like all human output).
    expect(run.stderr).toMatch(/median step\s+\d+\.\d{3} s/);
    expect(run.stderr).toMatch(/images\/s\s+\d/);
  });

  it('bench --config times a recipe (here the 1/4 decoder) and names the file of a bad field', async () => {
    const args = ['bench', '--size', '64x64', '--batch', '1', '--steps', '1', '--warmup', '0'];
    const run = (...extra: string[]): ReturnType<typeof segstudio> =>
      segstudio([...args, ...extra, '--json']);
    const plain = lastJsonLine<{ parameters: number; config_file: string | null }>(run().stdout);
    expect(plain.config_file).toBeNull();
    const recipe = path.join(dir, 'recipe.json');
    await writeFile(recipe, JSON.stringify({ decoderStride: 4, emaDecay: 0.99 }));
    const timed = run('--config', recipe);
    expect(timed.status, timed.stderr).toBe(0);
    const r = lastJsonLine<{ parameters: number; config_file: string | null }>(timed.stdout);
    expect(r.config_file).toBe(recipe);
    // The default's 1/2 stage (dec2_*) is gone: fewer weights than the plain default.
    expect(r.parameters).toBeLessThan(plain.parameters);
    const own = run('--recipe');
    expect(own.status, own.stderr).toBe(0);
    expect(lastJsonLine<{ recipe: boolean }>(own.stdout).recipe).toBe(true);
    const typo = path.join(dir, 'typo.json');
    await writeFile(typo, JSON.stringify({ emaDecy: 0.99 }));
    const bad = run('--config', typo);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--config .*typo\.json: unknown field emaDecy/);
  });

  it('bench --dataset trains with a --config file (it was once ignored there)', async () => {
    const recipe = path.join(dir, 'epochs-recipe.json');
    await writeFile(recipe, JSON.stringify({ decoderStride: 4 }));
    const args = ['bench', '--dataset', CAMVID, '--limit', '2', '--epochs', '1', '--size', '64x48'];
    const run = (...extra: string[]): ReturnType<typeof segstudio> =>
      segstudio([...args, '--batch', '2', ...extra, '--json']);
    type Epochs = { parameters: number; config_file: string | null; epochs: unknown[] };
    const plain = run();
    expect(plain.status, plain.stderr).toBe(0);
    const p = lastJsonLine<Epochs>(plain.stdout);
    expect(p.config_file).toBeNull();
    expect(p.epochs).toHaveLength(1);
    const timed = run('--config', recipe);
    expect(timed.status, timed.stderr).toBe(0);
    const r = lastJsonLine<Epochs>(timed.stdout);
    expect(r.config_file).toBe(recipe);
    // Without the 1/2 decoder stage: fewer weights than the preset's own network.
    expect(r.parameters).toBeLessThan(p.parameters);
  });

  it('bench without --json prints the table and still ends with the JSON line', () => {
    const run = segstudio([
      'bench',
      '--size',
      '64x64',
      '--batch',
      '1',
      '--steps',
      '1',
      '--warmup',
      '0',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^preset\s+default$/m);
    expect(run.stdout).toMatch(/backend\s+\S+/);
    expect(lastJsonLine<{ median_step_s: number }>(run.stdout).median_step_s).toBeGreaterThan(0);
  });
});

describe('RUN folders (trained for one step by segstudio train)', () => {
  let runDir: string;
  beforeAll(() => {
    runDir = path.join(dir, 'run');
    const run = segstudio([
      'train',
      '--dataset',
      CAMVID,
      '--run',
      runDir,
      '--preset',
      'default',
      '--size',
      '64x48',
      '--batch',
      '1',
      '--steps',
      '1',
      '--json',
    ]);
    expect(run.status, run.stderr).toBe(0);
  });

  it('eval RUN uses its dataset and falls back from best to last with a note', () => {
    const run = segstudio(['eval', runDir, '--limit', '1', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = lastJsonLine<EvalJson & { kind: string; checkpoint: string }>(run.stdout);
    expect(r).toMatchObject({ kind: 'run', checkpoint: 'last' });
    expect(r.perImage).toHaveLength(1);
    expect(run.stderr).toMatch(/no best checkpoint/);
  });

  it('eval RUN flips as the run validated (its testTimeFlip), and --flip on|off overrides', async () => {
    const config = JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8')).config as {
      testTimeFlip: boolean;
    };
    const flipOf = (args: string[]) => {
      const run = segstudio(['eval', runDir, '--limit', '2', ...args, '--json']);
      expect(run.status, run.stderr).toBe(0);
      return lastJsonLine<EvalJson & { flip: boolean }>(run.stdout);
    };
    expect(flipOf([]).flip).toBe(config.testTimeFlip);
    const on = flipOf(['--flip', 'on']);
    const off = flipOf(['--flip', 'off']);
    expect([on.flip, off.flip]).toEqual([true, false]);
    const bad = segstudio(['eval', runDir, '--flip', 'maybe']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--flip must be on or off, got "maybe"/);
  });

  it('eval RUN --scales adds the network at other input sizes; other models refuse it', () => {
    const run = segstudio(['eval', runDir, '--limit', '1', '--scales', '1,1.5', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = lastJsonLine<EvalJson & { scales: number[] }>(run.stdout);
    expect(r.scales).toEqual([1, 1.5]);
    expect(r.perImage).toHaveLength(1);
    const bad = segstudio(['eval', runDir, '--scales', '1,9']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--scales must be .* between 0.25 and 4, got "1,9"/);
    const onModel = segstudio(['eval', modelDir, '--dataset', CAMVID, '--scales', '1,1.5']);
    expect(onModel.status).toBe(2);
    expect(onModel.stderr).toMatch(/--scales needs a run folder/);
  });

  it('export RUN gives a model that predicts exactly like the checkpoint', async () => {
    const out = path.join(dir, 'run-export');
    const run = segstudio(['export', runDir, '--from', 'last', '--out', out, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const exported = await importModel(out);
    expect(exported.manifest.origin).toMatchObject({ checkpoint: 'last', step: 1 });
    expect(exported.manifest.input).toEqual({ width: 64, height: 48 });
    expect(exported.manifest.architecture).toEqual({ id: 'default', version: 2 });
    const restored = await restoreModel({ runDir, from: 'last' });
    const tf = getTf();
    const predict = (m: tfjs.LayersModel): number[] =>
      tf.tidy(() =>
        Array.from(
          (
            m.predict(tf.randomUniform([1, 48, 64, 3], -2, 2, 'float32', 3)) as tfjs.Tensor
          ).dataSync(),
        ),
      );
    expect(predict(exported.model)).toEqual(predict(restored.model));
    exported.model.dispose();
    restored.model.dispose();
  });
});
