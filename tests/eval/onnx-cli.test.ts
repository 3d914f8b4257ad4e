/** `segstudio export MODEL --format onnx` as a user runs it: files, JSON result, progress, errors. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../main/dataset/open';
import { makeTrainingConfig } from '../../main/engine/config';
import { exportModel } from '../../main/engine/export';
import { manifestFieldsFor } from '../../main/engine/export-fields';
import { ModelManifest } from '../../main/engine/export-manifest';
import { buildModel } from '../../main/engine/models';
import { getTf } from '../../main/native/backend';
import { ensureBuilt } from '../support/build';
import { lastJsonLine, runSegstudio } from '../support/cli';
import { CAMVID } from '../support/datasets';
import { tempDir } from '../support/folders';

const work = tempDir('onnx-cli');
const modelDir = path.join(work.dir, 'model');
const segstudio = (args: string[]) => runSegstudio(args, {}, 90_000);

interface ExportJson {
  out: string;
  sidecar: string;
  format: string;
  layout: string;
  opset: number;
  nodes: number;
  classes: number;
}

beforeAll(async () => {
  ensureBuilt();
  const index = await openDataset(CAMVID);
  const config = makeTrainingConfig({ preset: 'default', inputSize: { width: 96, height: 72 } });
  const { model } = buildModel(getTf(), config, index.mapper.classes.length);
  const fields = manifestFieldsFor({
    config,
    classes: index.mapper.classes,
    descriptor: index.descriptor,
  });
  await exportModel(model, fields, modelDir);
  model.dispose();
});

afterAll(() => work.cleanup());

describe('segstudio export --format onnx', () => {
  it('writes FILE.onnx and FILE.segstudio.json that onnxruntime runs (NCHW by default)', async () => {
    const file = path.join(work.dir, 'camvid.onnx');
    const run = segstudio(['export', modelDir, '--format', 'onnx', '--out', file, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = lastJsonLine<ExportJson>(run.stdout);
    expect(r).toMatchObject({ out: file, format: 'onnx', layout: 'NCHW', opset: 17, classes: 11 });
    expect(r.sidecar).toBe(path.join(work.dir, 'camvid.segstudio.json'));
    expect(run.stderr).toMatch(/export onnx \[/);
    const sidecar = ModelManifest.parse(JSON.parse(readFileSync(r.sidecar, 'utf8')));
    expect(sidecar.onnx).toMatchObject({
      file: 'camvid.onnx',
      layout: 'NCHW',
      input: { name: 'input', shape: ['batch', 3, 72, 96] },
      output: { name: 'logits', shape: ['batch', 11, 72, 96] },
    });
    const session = await ort.InferenceSession.create(readFileSync(file));
    const input = new ort.Tensor('float32', new Float32Array(2 * 3 * 72 * 96), [2, 3, 72, 96]);
    const out = await session.run({ input });
    expect(out['logits']!.dims).toEqual([2, 11, 72, 96]);
    await session.release();
  });

  it('--layout nhwc keeps the channels-last input; a .onnx --out implies --format onnx', () => {
    const file = path.join(work.dir, 'nhwc.onnx');
    const run = segstudio(['export', modelDir, '--out', file, '--layout', 'nhwc', '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(lastJsonLine<ExportJson>(run.stdout)).toMatchObject({ format: 'onnx', layout: 'NHWC' });
    const sidecar = ModelManifest.parse(
      JSON.parse(readFileSync(path.join(work.dir, 'nhwc.segstudio.json'), 'utf8')),
    );
    expect(sidecar.onnx?.input.shape).toEqual(['batch', 72, 96, 3]);
  });

  it.each([
    [['--format', 'onnx', '--out', 'x.zip'], /--out must end in \.onnx/],
    [['--format', 'tflite', '--out', 'x.onnx'], /--format must be layers or onnx, got "tflite"/],
    [['--format', 'layers', '--out', 'x.onnx'], /is an \.onnx file: add --format onnx/],
    [['--out', 'dir', '--layout', 'nhwc'], /--layout applies to --format onnx only/],
    [['--out', 'x.onnx', '--layout', 'chw'], /--layout must be nchw or nhwc, got "chw"/],
  ])('refuses %j with a usage error naming the problem', (args, message) => {
    const run = segstudio([
      'export',
      modelDir,
      ...args.map((a) => (a.includes('.') || a === 'dir' ? path.join(work.dir, a) : a)),
      '--json',
    ]);
    expect(run.status).toBe(2);
    const { error } = lastJsonLine<{ error: { message: string; code: string } }>(run.stdout);
    expect(error.code).toBe('usage');
    expect(error.message).toMatch(message);
    expect(existsSync(path.join(work.dir, 'x.onnx'))).toBe(false);
  });
});
