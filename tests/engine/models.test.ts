import { describe, expect, it } from 'vitest';
import { makeTrainingConfig } from '../../main/engine/config';
import { alexnetFcnPytorchMapping, buildModel } from '../../main/engine/models';
import { resizeHalfPixel } from '../../main/engine/models/common';
import { getTf } from '../../main/native/backend';
import type * as tfjs from '@tensorflow/tfjs';

const tf = getTf();

describe('models', () => {
  it('default: logits [B,H,W,C] for sizes not divisible by 16, deterministic init', () => {
    const config = makeTrainingConfig({ inputSize: { width: 72, height: 50 }, seed: 9 });
    const a = buildModel(tf, config, 5);
    const b = buildModel(tf, config, 5);
    const out = tf.tidy(() => (a.model.predict(tf.zeros([2, 50, 72, 3])) as tfjs.Tensor).shape);
    expect(out).toEqual([2, 50, 72, 5]);
    const wa = a.model.getWeights();
    const wb = b.model.getWeights();
    wa.forEach((w, i) => expect(w.equal(wb[i]!).all().dataSync()[0]).toBe(1));
    a.model.dispose();
    b.model.dispose();
  });

  it('seed-alexnet-fcn: torchvision feature shapes, PyTorch key mapping, frozen features', () => {
    const config = makeTrainingConfig({ preset: 'seed-alexnet-fcn', freezeFeatures: true });
    const { model, trainableNames } = buildModel(tf, config, 101);
    expect(model.getLayer('features.12').outputShape).toEqual([null, 6, 6, 256]);
    expect(model.outputs[0]!.shape).toEqual([null, 240, 240, 101]);
    expect(trainableNames).toEqual(['conv_to101/kernel', 'conv_to101/bias']);
    const mapping = alexnetFcnPytorchMapping(101);
    expect(Object.keys(mapping)).toHaveLength(12);
    expect(mapping['features.0.weight']).toEqual({
      tfjsName: 'features.0/kernel',
      transpose: [2, 3, 1, 0],
      pytorchShape: [64, 3, 11, 11],
      tfjsShape: [11, 11, 3, 64],
    });
    const byName = new Map(model.weights.map((w) => [w.originalName, w.shape]));
    for (const m of Object.values(mapping)) expect(byName.get(m.tfjsName)).toEqual(m.tfjsShape);
    expect(byName.size).toBe(12);
    model.dispose();
  });

  it('saves and loads in the tfjs Layers format with identical outputs', async () => {
    const config = makeTrainingConfig({
      inputSize: { width: 64, height: 48 },
      widthMultiplier: 0.5,
    });
    const { model } = buildModel(tf, config, 3);
    // In-memory IO handlers: works on the native and the pure-JS backend alike.
    let artifacts: tfjs.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const x = tf.randomUniform([1, 48, 64, 3], -1, 1, 'float32', 1);
    const diff = tf.tidy(
      () =>
        tf
          .max(tf.abs(tf.sub(model.predict(x) as tfjs.Tensor, loaded.predict(x) as tfjs.Tensor)))
          .dataSync()[0],
    );
    expect(diff).toBeLessThan(1e-5);
    const layerClasses = new Set(loaded.layers.map((l) => l.getClassName()));
    expect(layerClasses.has('BatchNormalization')).toBe(true);
    x.dispose();
    loaded.dispose();
    model.dispose();
  });
});

describe('resizeHalfPixel', () => {
  it.each([
    [6, 30, 5],
    [3, 12, 4],
    [4, 10, 3],
  ])('%i -> %i follows resizeBilinear(halfPixelCenters)', (h, H) => {
    const input = tf.input({ shape: [h, h + 1, 2] });
    const out = resizeHalfPixel(tf, input, H, H + Math.ceil(H / h), 'r');
    const model = tf.model({ inputs: input, outputs: out });
    const x = tf.randomUniform([1, h, h + 1, 2], -1, 1, 'float32', 2);
    const W = H + Math.ceil(H / h);
    const got = model.predict(x) as tfjs.Tensor;
    expect(got.shape).toEqual([1, H, W, 2]);
    const f = Math.ceil(H / h);
    const want = tf.image.resizeBilinear(x as tfjs.Tensor4D, [H, W], false, true);
    const diff = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]!;
    // Exact for integer odd factors; within half an output pixel for even factors; only
    // approximate (ceil factor + crop) when the size is not a multiple.
    if (H % h === 0 && f % 2 === 1) expect(diff).toBeLessThan(1e-5);
    else if (H % h === 0) expect(diff).toBeLessThan(0.6);
    tf.dispose([x, got, want]);
    model.dispose();
  });
});
