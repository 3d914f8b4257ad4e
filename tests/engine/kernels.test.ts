/**
 * The training step's custom kernels (libtensorflow's FusedBatchNormV3/GradV3, ReluGrad,
 * ScaleAndTranslate/Grad wired with customGrad, oneDNN's softmax, and the JS fallbacks) against
 * tfjs' own layers and autodiff: same values, same gradients, same moving statistics, no tensor
 * left behind.
 * (The loss: tests/engine/loss.test.ts.)
 */
import type * as tfjs from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeOps } from '../../main/engine/kernels/native';
import { resizeHalfPixel, resizeTo } from '../../main/engine/models/common';
import { installFastBatchNorm, installFastRelu } from '../../main/engine/models/fast-bn';
import { installPlainConv } from '../../main/engine/models/plain-conv';
import { getTf } from '../../main/native/backend';
import { withKernelPath } from '../support/kernels';

const tf = getTf();
const TOL = 1e-4;

function maxDiff(a: tfjs.Tensor, b: tfjs.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

afterEach(() => {
  delete process.env['SEGSTUDIO_NATIVE_KERNELS'];
});

describe('native kernels', () => {
  it('are available on the native backend, and off with SEGSTUDIO_NATIVE_KERNELS=0', () => {
    expect(tf.getBackend()).toBe('tensorflow');
    expect(nativeOps(tf)).not.toBeNull();
    expect(withKernelPath('js', () => nativeOps(tf))).toBeNull();
  });

  it('plain stem conv (installPlainConv) gives the Layers Conv2D output and kernel gradient', () => {
    const make = (plain: boolean): tfjs.layers.Layer => {
      const layer = tf.layers.conv2d({
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        useBias: false,
        name: `stem_${plain}`,
      });
      layer.build([null, 9, 8, 3]);
      layer.setWeights([tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 31)]);
      if (plain)
        installPlainConv(tf, layer, { strides: [2, 2], padding: 'same', dilationRate: [1, 1] });
      return layer;
    };
    const x = tf.randomNormal([2, 9, 8, 3], 0, 1, 'float32', 32) as tfjs.Tensor4D;
    const r = tf.randomNormal([2, 5, 4, 4], 0, 1, 'float32', 33);
    const run = (layer: tfjs.layers.Layer): tfjs.Tensor[] =>
      tf.tidy(() => {
        const kernel = layer.trainableWeights[0]!.read() as tfjs.Variable;
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.mul(layer.apply(x, { training: true }) as tfjs.Tensor, r)),
          [kernel],
        );
        return [value, grads[kernel.name]!, layer.apply(x) as tfjs.Tensor];
      });
    const [plain, ref] = [run(make(true)), run(make(false))];
    plain.forEach((t, i) => expect(maxDiff(t, ref[i]!)).toBeLessThan(1e-5));
    expect(() =>
      installPlainConv(tf, tf.layers.conv2d({ filters: 2, kernelSize: 1 }), {
        strides: [1, 1],
        padding: 'valid',
        dilationRate: [1, 1],
      }),
    ).toThrow(/without bias/);
    tf.dispose([...plain, ...ref, x, r]);
  });

  it("softmax (oneDNN's kernel) matches TensorFlow's Softmax, with large logits too", () => {
    const ops = nativeOps(tf)!;
    const x = tf.tidy(() =>
      tf.concat([tf.randomNormal([300, 101], 0, 3, 'float32', 21), tf.fill([2, 101], 80)]),
    ) as tfjs.Tensor2D;
    const before = tf.memory().numTensors;
    const [fast, ref] = [ops.softmax(x), tf.softmax(x)];
    expect(maxDiff(fast, ref)).toBeLessThan(1e-6);
    tf.dispose([fast, ref, x]);
    expect(tf.memory().numTensors).toBe(before - 1);
  });

  for (const path of ['native', 'js'] as const) {
    it(`BatchNorm training path (${path}) matches tfjs' BatchNormalization: output, gradients, moving stats`, () => {
      const cfg = { momentum: 0.9, epsilon: 1e-3 };
      const make = (fast: boolean): tfjs.layers.Layer => {
        const layer = tf.layers.batchNormalization({ ...cfg, name: `bn_${path}_${fast}` });
        layer.build([null, 5, 6, 3]);
        layer.setWeights([
          tf.tensor1d([1.5, 0.5, -0.7]),
          tf.tensor1d([0.1, -0.2, 0.3]),
          tf.tensor1d([0.05, 0, -0.1]),
          tf.tensor1d([1.2, 0.8, 1]),
        ]);
        if (fast) installFastBatchNorm(tf, layer, cfg);
        return layer;
      };
      const fast = make(true);
      const ref = make(false);
      const x = tf.randomNormal([2, 5, 6, 3], 0.3, 2, 'float32', 11) as tfjs.Tensor4D;
      const r = tf.randomNormal([2, 5, 6, 3], 0, 1, 'float32', 12);
      const run = (layer: tfjs.layers.Layer): tfjs.Tensor[] =>
        withKernelPath(path, () =>
          tf.tidy(() => {
            const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tfjs.Variable);
            const f = (): tfjs.Scalar =>
              tf.sum(tf.mul(layer.apply(x, { training: true }) as tfjs.Tensor, r));
            const { value, grads } = tf.variableGrads(f, [gamma!, beta!]);
            const dx = tf.grad((xi: tfjs.Tensor) =>
              tf.sum(tf.mul(layer.apply(xi, { training: true }) as tfjs.Tensor, r)),
            )(x);
            return [value, dx, grads[gamma!.name]!, grads[beta!.name]!];
          }),
        );
      // A first call of each (the native path keeps one empty tensor for its unused inputs),
      // then the compared calls must leave no tensor behind.
      tf.dispose([...run(fast), ...run(ref)]);
      const before = tf.memory().numTensors;
      const a = run(fast);
      const b = run(ref);
      a.forEach((t, i) => expect(maxDiff(t, b[i]!)).toBeLessThan(TOL * 10));
      // Six training calls each: the moving statistics moved the same way.
      const stats = (l: tfjs.layers.Layer): tfjs.Tensor[] =>
        l.getWeights().filter((_, i) => i >= 2);
      const [fm, fv] = stats(fast);
      const [rm, rv] = stats(ref);
      expect(maxDiff(fm!, rm!)).toBeLessThan(TOL);
      expect(maxDiff(fv!, rv!)).toBeLessThan(TOL);
      tf.dispose([...a, ...b]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, r]);
    });
  }

  it('ReLU with a ReluGrad gradient matches tfjs ReLU (value and gradient)', () => {
    const fast = tf.layers.reLU({ name: 'relu_fast' });
    installFastRelu(tf, fast);
    const ref = tf.layers.reLU({ name: 'relu_ref' });
    const x = tf.randomNormal([2, 4, 3, 5], 0, 1, 'float32', 21);
    const r = tf.randomNormal([2, 4, 3, 5], 0, 1, 'float32', 22);
    const grad = (layer: tfjs.layers.Layer): tfjs.Tensor =>
      tf.grad((xi: tfjs.Tensor) =>
        tf.sum(tf.mul(layer.apply(xi, { training: true }) as tfjs.Tensor, r)),
      )(x);
    const ga = grad(fast);
    const gb = grad(ref);
    expect(maxDiff(ga, gb)).toBe(0);
    const ya = fast.apply(x, { training: true }) as tfjs.Tensor;
    expect(maxDiff(ya, tf.relu(x))).toBe(0);
    tf.dispose([x, r, ga, gb, ya]);
  });

  it.each([
    [6, 6, 240, 240, 3], // the seed's x40 (even factor) at 240x240
    [3, 3, 127, 127, 2], // a size that is not a multiple: ceiling factor + crop
    [5, 7, 15, 21, 4], // odd factors
  ])(
    "resizeHalfPixel %ix%i -> %ix%i runs as one kernel with the saved Layers graph's values and gradients",
    async (h, w, H, W, C) => {
      const input = tf.input({ shape: [h, w, C] });
      const fast = tf.model({ inputs: input, outputs: resizeHalfPixel(tf, input, H, W, 'r') });
      // What is saved and exported: the same topology, deserialised without the patch.
      const saved = await tf.models.modelFromJSON({
        modelTopology: fast.toJSON(null, false) as tfjs.io.ModelJSON['modelTopology'],
      });
      const x = tf.randomNormal([2, h, w, C], 0, 2, 'float32', 31);
      const dy = tf.randomNormal([2, H, W, C], 0, 1, 'float32', 32);
      const run = (model: tfjs.LayersModel): tfjs.Tensor[] =>
        tf.tidy(() => [
          model.predict(x) as tfjs.Tensor,
          model.apply(x, { training: true }) as tfjs.Tensor,
          tf.grad((xi: tfjs.Tensor) =>
            tf.sum(tf.mul(model.apply(xi, { training: true }) as tfjs.Tensor, dy)),
          )(x),
        ]);
      tf.dispose(run(fast));
      const before = tf.memory().numTensors;
      const a = run(fast);
      const b = run(saved);
      expect(a[0]!.shape).toEqual([2, H, W, C]);
      // Float round-off only: within 1e-5 of the largest value (summation order differs).
      a.forEach((t, i) => {
        const scale = tf.tidy(() => tf.max(tf.abs(b[i]!)).dataSync()[0]!);
        expect(maxDiff(t, b[i]!)).toBeLessThan(1e-5 * scale);
      });
      tf.dispose([...a, ...b]);
      expect(tf.memory().numTensors).toBe(before);
      // The patched model never runs the Layers upsample; the deserialised one does.
      const kernels = async (model: tfjs.LayersModel): Promise<string[]> =>
        (await tf.profile(() => tf.dispose(model.predict(x) as tfjs.Tensor))).kernelNames;
      expect(await kernels(fast)).not.toContain('ResizeBilinear');
      expect(await kernels(saved)).toContain('ResizeBilinear');
      tf.dispose([x, dy]);
      fast.dispose();
      saved.dispose();
    },
  );

  it.each([
    [180, 240, 360, 480, 3], // the default network's x2 logits upsample (at a small batch)
    [23, 30, 45, 60, 4], // x2, then a crop (45 is odd)
    [5, 7, 10, 7, 2], // x2 rows, x1 columns
  ])(
    'resizeTo %ix%i -> %ix%i: same values as the saved graph, its gradient from ScaleAndTranslateGrad',
    async (h, w, H, W, C) => {
      const input = tf.input({ shape: [h, w, C] });
      const fast = tf.model({ inputs: input, outputs: resizeTo(tf, input, H, W, 'r') });
      const saved = await tf.models.modelFromJSON({
        modelTopology: fast.toJSON(null, false) as tfjs.io.ModelJSON['modelTopology'],
      });
      const x = tf.randomNormal([1, h, w, C], 0, 2, 'float32', 41);
      const dy = tf.randomNormal([1, H, W, C], 0, 1, 'float32', 42);
      const run = (model: tfjs.LayersModel): tfjs.Tensor[] =>
        tf.tidy(() => [
          model.apply(x, { training: true }) as tfjs.Tensor,
          tf.grad((xi: tfjs.Tensor) =>
            tf.sum(tf.mul(model.apply(xi, { training: true }) as tfjs.Tensor, dy)),
          )(x),
        ]);
      tf.dispose(run(fast));
      const before = tf.memory().numTensors;
      const [ya, ga] = run(fast) as [tfjs.Tensor, tfjs.Tensor];
      const [yb, gb] = run(saved) as [tfjs.Tensor, tfjs.Tensor];
      expect(ya.shape).toEqual([1, H, W, C]);
      // The forward pass is the saved graph's own kernel: identical.
      expect(maxDiff(ya, yb)).toBe(0);
      const scale = tf.tidy(() => tf.max(tf.abs(gb)).dataSync()[0]!);
      expect(maxDiff(ga, gb)).toBeLessThan(1e-5 * scale);
      tf.dispose([ya, ga, yb, gb]);
      expect(tf.memory().numTensors).toBe(before);
      // The patched gradient never runs tfjs' ResizeBilinearGrad; the deserialised one does.
      const kernels = async (model: tfjs.LayersModel): Promise<string[]> =>
        (
          await tf.profile(() =>
            tf.dispose(
              tf.grad((xi: tfjs.Tensor) =>
                tf.sum(tf.mul(model.apply(xi, { training: true }) as tfjs.Tensor, dy)),
              )(x),
            ),
          )
        ).kernelNames;
      expect(await kernels(fast)).not.toContain('ResizeBilinearGrad');
      expect(await kernels(saved)).toContain('ResizeBilinearGrad');
      tf.dispose([x, dy]);
      fast.dispose();
      saved.dispose();
    },
  );

  it('resizeTo by 3 keeps the Layers gradient (ScaleAndTranslate drops the last row there)', async () => {
    const input = tf.input({ shape: [5, 7, 2] });
    const model = tf.model({ inputs: input, outputs: resizeTo(tf, input, 15, 21, 'r3') });
    const x = tf.randomNormal([1, 5, 7, 2], 0, 1, 'float32', 43);
    const { kernelNames } = await tf.profile(() =>
      tf.dispose(
        tf.grad((xi: tfjs.Tensor) => tf.sum(model.apply(xi, { training: true }) as tfjs.Tensor))(x),
      ),
    );
    expect(kernelNames).toContain('ResizeBilinearGrad');
    x.dispose();
    model.dispose();
  });
});
