import { deflateSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalReport } from '../../shared/contracts/evaluation';
import type { LoadedMask } from '../../shared/contracts/labels';
import type { JobProgress } from '../../shared/contracts/common';
import { ensureBuilt } from '../support/build';
import { startMiniCamvidServices, type MiniCamvidServices } from '../support/services';

/**
 * evaluation.evaluate with `reuse` (the comparison after a fine-tune): the cached report comes
 * back without a worker only while nothing it was scored from changed; one edited label of the
 * split makes it stale, an edit on another split does not.
 */
// The services are made now; the first worker starts after ensureBuilt, in beforeAll.
const fixture: MiniCamvidServices = startMiniCamvidServices('eval-reuse', { train: 4, val: 2 });
beforeAll(async () => {
  ensureBuilt();
  await fixture.openDataset().then(() => fixture.trainTinyRun('r'));
}, 400_000);
afterAll(() => fixture.dispose());

type Scored = EvalReport & { reused: boolean };
const evaluate = (reuse: boolean) =>
  fixture.call<Scored>('evaluation:evaluate', { runName: 'r', split: 'val', reuse });
const evaluateJobs = () =>
  fixture.events.filter(
    (e) => e.channel === 'project@job' && (e.payload as JobProgress).kind === 'evaluate',
  ).length;

/** Saves the sample's mask with its first pixel set to another class, as the editor does. */
async function editOnePixel(split: string, id: string): Promise<void> {
  const loaded = await fixture.call<LoadedMask>('labels:load', { split, id });
  const raw = Buffer.from(loaded.mask!.data, 'base64');
  const ids = new Uint8Array(loaded.mask!.compression === 'deflate' ? inflateSync(raw) : raw);
  ids[0] = ids[0] === 1 ? 2 : 1;
  const { width, height, revision } = loaded;
  await fixture.call('labels:save', {
    split,
    id,
    baseRevision: revision,
    mask: { width, height, compression: 'deflate', data: deflateSync(ids).toString('base64') },
    state: 'labeled',
  });
}

describe('evaluation.evaluate with reuse', () => {
  it('reuses a provably current report and re-evaluates after an edit on its split', async () => {
    const first = await evaluate(false);
    expect(first.reused).toBe(false);
    expect(first.basis?.checkpoint.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.basis?.samples).toBe(2);

    fixture.events.length = 0;
    const again = await evaluate(true);
    expect(again.reused).toBe(true);
    expect(again.evaluatedAt).toBe(first.evaluatedAt);
    expect(again.mIoU).toBe(first.mIoU);
    expect(evaluateJobs()).toBe(0);

    // A train label is not what val scores are computed from.
    const { samples } = await fixture.call<{ samples: { split: string; id: string }[] }>(
      'labels:status',
    );
    const train = samples.find((s) => s.split === 'train')!;
    await editOnePixel(train.split, train.id);
    expect((await evaluate(true)).reused).toBe(true);

    const val = samples.find((s) => s.split === 'val')!;
    await editOnePixel(val.split, val.id);
    fixture.events.length = 0;
    const stale = await evaluate(true);
    expect(stale.reused).toBe(false);
    expect(stale.evaluatedAt).toBeGreaterThan(first.evaluatedAt);
    expect(stale.basis?.labels).not.toBe(first.basis?.labels);
    expect(evaluateJobs()).toBeGreaterThan(0);

    // The new report is current again; without `reuse` the service always evaluates.
    expect((await evaluate(true)).evaluatedAt).toBe(stale.evaluatedAt);
    expect((await evaluate(false)).reused).toBe(false);
  }, 400_000);
});
