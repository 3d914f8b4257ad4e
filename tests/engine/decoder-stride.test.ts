/**
 * `decoderStride`: the default network's optional decoder stage at 1/2, and the promise that a
 * checkpoint written before the field existed still resumes into the network it holds.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointDir } from '../../main/engine/checkpoint';
import { buildModel } from '../../main/engine/models';
import { presetOf } from '../../main/engine/models/registry';
import { Trainer } from '../../main/engine/trainer';
import { getTf } from '../../main/native/backend';
import { makeTrainingConfig } from '../../main/engine/config';
import { TrainingConfig } from '../../shared/training/config';
import { tempDir } from '../support/folders';
import { smallDefaultConfig } from './helpers';
import { SyntheticSource } from './synthetic-source';

const tf = getTf();
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

const weightNames = (model: tfjs.LayersModel): string[] => model.weights.map((w) => w.originalName);

describe('default network: decoderStride', () => {
  it('stride 2 adds a 1/2-scale stage fed by the stem; stride 4 is the first layout', () => {
    const size = { width: 64, height: 48 };
    const four = buildModel(tf, makeTrainingConfig({ inputSize: size, decoderStride: 4 }), 5);
    const two = buildModel(tf, makeTrainingConfig({ inputSize: size, decoderStride: 2 }), 5);
    const fourNames = weightNames(four.model);
    const twoNames = weightNames(two.model);
    expect(fourNames.some((n) => n.startsWith('dec2_'))).toBe(false);
    expect(twoNames).toEqual(expect.arrayContaining(['dec2_proj/kernel', 'dec2_b1_pw/kernel']));
    // Everything of the first layout but the classifier is still there, with the same shapes.
    const shapes = new Map(two.model.weights.map((w) => [w.originalName, w.shape.join('x')]));
    for (const w of four.model.weights) {
      if (w.originalName.startsWith('classifier/')) continue;
      expect(shapes.get(w.originalName)).toBe(w.shape.join('x'));
    }
    // The classifier reads the 1/2-scale stage (24 channels at width 1.5) instead of 1/4's 48.
    const kernel = (m: tfjs.LayersModel): unknown =>
      m.weights.find((w) => w.originalName === 'classifier/kernel')?.shape;
    expect(kernel(four.model)).toEqual([1, 1, 48, 5]);
    expect(kernel(two.model)).toEqual([1, 1, 24, 5]);
    const x = tf.randomUniform([2, 48, 64, 3], -1, 1, 'float32', 3);
    const y = two.model.predict(x) as tfjs.Tensor;
    expect(y.shape).toEqual([2, 48, 64, 5]);
    tf.dispose([x, y]);
    four.model.dispose();
    two.model.dispose();
  });

  it('the default preset trains with the stage at 1/2; the schema alone keeps 1/4', () => {
    expect(presetOf('default').defaults.decoderStride).toBe(2);
    // A run.json or state.json written before the field existed parses to the layout it holds.
    expect(TrainingConfig.parse({}).decoderStride).toBe(4);
    expect(makeTrainingConfig({}).decoderStride).toBe(2);
  });

  it('a checkpoint written before the field existed resumes into its own 1/4 layout', async () => {
    const { dir, cleanup } = tempDir('decoder-stride');
    cleanups.push(cleanup);
    const config = smallDefaultConfig({ batchSize: 2, decoderStride: 4 });
    const first = await Trainer.create(config, { train: new SyntheticSource(4) });
    await first.step();
    await first.saveCheckpoint(dir, 'pause');
    const probe = tf.randomUniform([1, 64, 64, 3], -1, 1, 'float32', 9);
    const before = (first.model.predict(probe) as tfjs.Tensor).dataSync().slice();
    first.dispose();

    // As an older build wrote it: no decoderStride anywhere in the saved config.
    const statePath = join(checkpointDir(dir, 'last'), 'state.json');
    const state = JSON.parse(await fs.readFile(statePath, 'utf8')) as {
      config: Record<string, unknown>;
    };
    delete state.config['decoderStride'];
    const text = JSON.stringify(state);
    await fs.writeFile(statePath, text);
    // Keep the manifest true to the edited file, so the checkpoint is still intact.
    const manifestPath = join(checkpointDir(dir, 'last'), 'manifest.json');
    const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8')) as {
      files: Record<string, { size: number; sha256: string }>;
    };
    manifest.files['state.json'] = {
      size: Buffer.byteLength(text),
      sha256: createHash('sha256').update(text).digest('hex'),
    };
    await fs.writeFile(manifestPath, JSON.stringify(manifest));

    const resumed = await Trainer.resume(dir, { train: new SyntheticSource(4) });
    expect(resumed.resumedFrom).toBe('last');
    expect(resumed.config.decoderStride).toBe(4);
    expect(weightNames(resumed.model).some((n) => n.startsWith('dec2_'))).toBe(false);
    const after = (resumed.model.predict(probe) as tfjs.Tensor).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    await resumed.step();
    resumed.dispose();
    probe.dispose();
  });
});
