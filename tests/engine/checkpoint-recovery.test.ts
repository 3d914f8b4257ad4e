import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkpointDir,
  checkpointsRoot,
  loadLatestCheckpoint,
  readCheckpoint,
  verifyCheckpoint,
  writeCheckpoint,
  type CheckpointManifest,
} from '../../main/engine/checkpoint';
import { tempDir } from '../support/folders';

// Crash windows of writeCheckpoint, built by hand: each state is what the renames leave on disk
// when the process dies between two of them. The weights carry the step, so a test can tell
// which model ended up in which slot.

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

const payload = (step: number) => ({
  state: { step },
  model: [{ name: 'w', shape: [2], data: new Float32Array([step, -step]) }],
  optimizer: [{ name: 'm', shape: [1], data: new Float32Array([step / 10]) }],
});
const info = (step: number, metric?: number) => ({
  reason: 'epoch',
  globalStep: step,
  epoch: step,
  stepInEpoch: 0,
  metric,
});

/** A run with best = step 1 (metric 0.5), previous = step 2, last = step 3. */
async function run(): Promise<{ dir: string; root: string }> {
  const { dir, cleanup } = tempDir('ckpt-recovery');
  cleanups.push(cleanup);
  await writeCheckpoint(dir, payload(1), info(1, 0.5));
  await writeCheckpoint(dir, payload(2), info(2, 0.4));
  await writeCheckpoint(dir, payload(3), info(3));
  return { dir, root: checkpointsRoot(dir) };
}

/**
 * A complete copy of `from` as checkpoint `step` (weights of that step, manifest rewritten),
 * the way writeSlotToTemp leaves it: every file and the manifest on disk.
 */
async function completeCopy(
  root: string,
  from: string,
  to: string,
  step: number,
  edit: Partial<CheckpointManifest> = {},
): Promise<void> {
  const scratch = tempDir('ckpt-scratch');
  cleanups.push(scratch.cleanup);
  await writeCheckpoint(scratch.dir, payload(step), info(step));
  await fs.cp(checkpointDir(scratch.dir, 'last'), join(root, to), { recursive: true });
  const file = join(root, to, 'manifest.json');
  const manifest = JSON.parse(await fs.readFile(file, 'utf8')) as CheckpointManifest;
  const source = JSON.parse(
    await fs.readFile(join(root, from, 'manifest.json'), 'utf8'),
  ) as CheckpointManifest;
  await fs.writeFile(file, JSON.stringify({ ...manifest, slot: source.slot, ...edit }));
}

async function stepIn(dir: string, slot: 'last' | 'previous' | 'best'): Promise<number> {
  const { payload: p } = await readCheckpoint(checkpointDir(dir, slot));
  return (p.state as { step: number }).step;
}

async function leftovers(root: string): Promise<string[]> {
  return (await fs.readdir(root)).filter((n) => n.startsWith('.')).sort();
}

describe('recovery of an interrupted checkpoint write', () => {
  it('a complete temp best left without a best is kept, not replaced by a worse model', async () => {
    const { dir, root } = await run();
    // Crash after `best` -> .trash-*, before .tmp-best-* -> `best`: the temp one is better (0.9).
    await completeCopy(root, 'best', '.tmp-best-1-2-3', 7, { metric: 0.9, globalStep: 7 });
    await fs.rename(join(root, 'best'), join(root, '.trash-1-2-3'));
    expect((await verifyCheckpoint(checkpointDir(dir, 'best'))).ok).toBe(false);

    const result = await writeCheckpoint(dir, payload(8), info(8, 0.6));
    expect(result.recovered).toEqual([
      "recovered checkpoint 'best' (step 7) from an interrupted write",
    ]);
    expect(result.bestUpdated).toBe(false);
    const best = await verifyCheckpoint(checkpointDir(dir, 'best'));
    expect(best.ok && best.manifest.metric).toBe(0.9);
    expect(await stepIn(dir, 'best')).toBe(7);
    expect(await leftovers(root)).toEqual([]);
  });

  it('without a temp best, the old best moved aside comes back (not the worse new model)', async () => {
    const { dir, root } = await run();
    // The temp best was torn (no manifest): only the old best in .trash-* is complete.
    await completeCopy(root, 'best', '.tmp-best-1-2-3', 7, { metric: 0.9 });
    await fs.rm(join(root, '.tmp-best-1-2-3', 'manifest.json'));
    await fs.rename(join(root, 'best'), join(root, '.trash-1-2-3'));

    const result = await writeCheckpoint(dir, payload(8), info(8, 0.45));
    expect(result.recovered).toHaveLength(1);
    expect(result.bestUpdated).toBe(false);
    expect(await stepIn(dir, 'best')).toBe(1);
    expect(await leftovers(root)).toEqual([]);
  });

  it('crash after last -> previous, before the temp -> last: the temp becomes last', async () => {
    const { dir, root } = await run();
    await fs.rename(join(root, 'previous'), join(root, '.trash-1-2-3'));
    await fs.rename(join(root, 'last'), join(root, 'previous'));
    await completeCopy(root, 'previous', '.tmp-last-1-2-3', 4, { globalStep: 4 });
    // Loading already sees it; the next write must keep it as previous instead of deleting it.
    expect((await loadLatestCheckpoint(dir)).source).toBe('recovered');

    const result = await writeCheckpoint(dir, payload(5), info(5));
    expect(result.recovered).toEqual([
      "recovered checkpoint 'last' (step 4) from an interrupted write",
    ]);
    expect(await stepIn(dir, 'last')).toBe(5);
    expect(await stepIn(dir, 'previous')).toBe(4);
    expect(await stepIn(dir, 'best')).toBe(1);
    expect(await leftovers(root)).toEqual([]);
  });

  it('crash after previous -> trash, before last -> previous: the rotation is finished', async () => {
    const { dir, root } = await run();
    await fs.rename(join(root, 'previous'), join(root, '.trash-1-2-3'));
    await completeCopy(root, 'last', '.tmp-last-1-2-3', 4, { globalStep: 4 });

    const result = await writeCheckpoint(dir, payload(5), info(5));
    expect(result.recovered).toEqual([
      "recovered checkpoint 'previous' (step 3) from an interrupted write",
      "recovered checkpoint 'last' (step 4) from an interrupted write",
    ]);
    expect(await stepIn(dir, 'last')).toBe(5);
    expect(await stepIn(dir, 'previous')).toBe(4);
    expect(await leftovers(root)).toEqual([]);
  });

  it('a missing previous comes back from its copy moved aside', async () => {
    const { dir, root } = await run();
    await fs.rename(join(root, 'previous'), join(root, '.trash-1-2-3'));

    const result = await writeCheckpoint(dir, payload(4), info(4));
    expect(result.recovered).toEqual([
      "recovered checkpoint 'previous' (step 2) from an interrupted write",
    ]);
    // The write then rotates as usual: last 3 -> previous, the new one -> last.
    expect(await stepIn(dir, 'last')).toBe(4);
    expect(await stepIn(dir, 'previous')).toBe(3);
  });

  it('torn leftovers are never recovered, and a normal write recovers nothing', async () => {
    const { dir, root } = await run();
    await completeCopy(root, 'last', '.tmp-last-1-2-3', 9, { globalStep: 9 });
    const bin = join(root, '.tmp-last-1-2-3', 'model.bin');
    await fs.truncate(bin, 3);
    await fs.rm(checkpointDir(dir, 'last'), { recursive: true });

    const result = await writeCheckpoint(dir, payload(4), info(4));
    expect(result.recovered).toEqual([]);
    expect(await stepIn(dir, 'last')).toBe(4);
    expect(await stepIn(dir, 'previous')).toBe(2);
    expect(await leftovers(root)).toEqual([]);
    expect((await writeCheckpoint(dir, payload(5), info(5))).recovered).toEqual([]);
  });
});
