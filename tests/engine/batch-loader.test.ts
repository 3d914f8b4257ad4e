/**
 * The training data path: the decoded-sample cache reads each file once per process and the
 * prefetch depth cannot change the batches (they stay a function of seed, epoch and position).
 */
import { describe, expect, it } from 'vitest';
import { BatchLoader, CachedSampleSource } from '../../main/engine/batch-loader';
import { makeTrainingConfig } from '../../main/engine/config';
import { epochOrder } from '../../main/engine/data';
import { smallDefaultConfig } from './helpers';
import { SyntheticSource } from './synthetic-source';

describe('BatchLoader', () => {
  it('decodes each sample once across epochs and gives the same batches at any prefetch depth', async () => {
    const config = makeTrainingConfig(smallDefaultConfig({ batchSize: 3 }));
    const count = 7;
    const steps = Math.ceil(count / config.batchSize);
    const run = async (depth: number, source: SyntheticSource): Promise<Float32Array[]> => {
      const loader = new BatchLoader(source, config, null, 4, depth);
      const out: Float32Array[] = [];
      for (let epoch = 0; epoch < 2; epoch++) {
        const order = epochOrder(config.seed, epoch, count);
        for (let step = 0; step < steps; step++) {
          const batch = await loader.take({ epoch, stepInEpoch: step }, order);
          const ahead = [];
          for (let k = 1; k <= depth && step + k < steps; k++) {
            ahead.push({ pos: { epoch, stepInEpoch: step + k }, order });
          }
          loader.prefetch(ahead);
          out.push(batch.images, new Float32Array(batch.labels), batch.weights);
        }
      }
      loader.clear();
      return out;
    };
    const shallow = new SyntheticSource(count, 40);
    const deep = new SyntheticSource(count, 40);
    const a = await run(1, shallow);
    const b = await run(3, deep);
    expect(a.length).toBe(b.length);
    a.forEach((x, i) => expect(Buffer.from(x.buffer).equals(Buffer.from(b[i]!.buffer))).toBe(true));
    // Two epochs over 7 samples, 9 sample reads per epoch (3 batches of 3): 7 decodes in all.
    expect(shallow.loads).toBe(count);
    expect(deep.loads).toBe(count);
  });

  it('does not remember failed loads, and stops caching at its byte budget', async () => {
    const source = new SyntheticSource(3, 16);
    const none = new CachedSampleSource(source, 0);
    await none.load(0);
    await none.load(0);
    expect(source.loads).toBe(2);
    const cached = new CachedSampleSource(source);
    await expect(cached.load(5)).rejects.toThrow(/out of range/);
    await expect(cached.load(5)).rejects.toThrow(/out of range/);
  });
});
