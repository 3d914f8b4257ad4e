import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkpointDir,
  checkpointsRoot,
  loadLatestCheckpoint,
  packTensors,
  readCheckpoint,
  unpackTensors,
  verifyCheckpoint,
  writeCheckpoint,
} from '../../main/engine/checkpoint';
import type { NamedArray } from '../../main/engine/optimizer';
import { TrainerState } from '../../shared/training/state';
import { Trainer } from '../../main/engine/trainer';
import { smallDefaultConfig } from './helpers';
import { SyntheticSource } from './synthetic-source';
import { tempDir } from '../support/folders';
import { maxAbsDiff } from '../support/weights';

const config = smallDefaultConfig({ batchSize: 2, epochs: 4, widthMultiplier: 0.5 });
const source = (): SyntheticSource => new SyntheticSource(8);

let base: { dir: string; cleanup: () => void };
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  // One run with three checkpoints: steps 1 (best, metric 0.5), 2 (metric 0.4), 3 (no metric).
  base = tempDir('engine');
  const t = await Trainer.create(config, { train: source() });
  await t.step();
  expect((await t.saveCheckpoint(base.dir, 'epoch', { metric: 0.5 })).bestUpdated).toBe(true);
  await t.step();
  expect((await t.saveCheckpoint(base.dir, 'epoch', { metric: 0.4 })).bestUpdated).toBe(false);
  await t.step();
  await t.saveCheckpoint(base.dir, 'pause');
  t.dispose();
});

afterAll(() => {
  base.cleanup();
  cleanups.forEach((c) => c());
});

async function copyRun(): Promise<string> {
  const { dir, cleanup } = tempDir('engine');
  cleanups.push(cleanup);
  await fs.cp(base.dir, dir, { recursive: true });
  return dir;
}

describe('checkpoint files', () => {
  it('keeps last / previous / best with manifests and no temp leftovers', async () => {
    const names = (await fs.readdir(checkpointsRoot(base.dir))).sort();
    expect(names).toEqual(['best', 'last', 'previous']);
    const last = await verifyCheckpoint(checkpointDir(base.dir, 'last'));
    const previous = await verifyCheckpoint(checkpointDir(base.dir, 'previous'));
    const best = await verifyCheckpoint(checkpointDir(base.dir, 'best'));
    expect(last.ok && last.manifest.globalStep).toBe(3);
    expect(previous.ok && previous.manifest.globalStep).toBe(2);
    expect(best.ok && best.manifest.globalStep).toBe(1);
    expect(best.ok && best.manifest.metric).toBe(0.5);
    const loaded = await loadLatestCheckpoint(base.dir);
    expect(loaded.source).toBe('last');
    expect(loaded.messages).toEqual([]);
  });

  it('packs float32 tensors losslessly', () => {
    const a = {
      name: 'a/kernel',
      shape: [2, 3],
      data: new Float32Array([1, -2, 3.5, NaN, 1e-30, -0]),
    };
    const b = { name: 'b/bias', shape: [0], data: new Float32Array(0) };
    const { index, bin } = packTensors([a, b]);
    const [ua, ub] = unpackTensors(index, bin);
    expect(ua!.shape).toEqual([2, 3]);
    expect(Buffer.from(ua!.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    expect(ub!.data.length).toBe(0);
  });
});

describe('corrupt checkpoint fallback', () => {
  it('truncated weights file in last -> previous, says why', async () => {
    const dir = await copyRun();
    const file = join(checkpointDir(dir, 'last'), 'model.bin');
    const { size } = await fs.stat(file);
    await fs.truncate(file, Math.floor(size / 2));
    const loaded = await loadLatestCheckpoint(dir);
    expect(loaded.source).toBe('previous');
    expect(loaded.manifest.globalStep).toBe(2);
    expect(loaded.messages.join('\n')).toMatch(/'last' is unusable: model\.bin is \d+ bytes.*torn/);
    expect(loaded.messages.join('\n')).toMatch(/resuming from 'previous'/);
  });

  it('flipped byte in last -> previous (sha256 mismatch)', async () => {
    const dir = await copyRun();
    const file = join(checkpointDir(dir, 'last'), 'optimizer.bin');
    const data = await fs.readFile(file);
    data[Math.floor(data.length / 3)]! ^= 0x40;
    await fs.writeFile(file, data);
    const loaded = await loadLatestCheckpoint(dir);
    expect(loaded.source).toBe('previous');
    expect(loaded.messages.join('\n')).toMatch(/optimizer\.bin fails its sha256 check/);
  });

  it('deleted manifest in last -> previous', async () => {
    const dir = await copyRun();
    await fs.rm(join(checkpointDir(dir, 'last'), 'manifest.json'));
    const loaded = await loadLatestCheckpoint(dir);
    expect(loaded.source).toBe('previous');
    expect(loaded.messages.join('\n')).toMatch(/manifest\.json is missing/);
  });

  it('last and previous both corrupt -> best; nothing usable -> error', async () => {
    const dir = await copyRun();
    await fs.writeFile(join(checkpointDir(dir, 'last'), 'state.json'), '{"torn":');
    await fs.rm(checkpointDir(dir, 'previous'), { recursive: true });
    const loaded = await loadLatestCheckpoint(dir);
    expect(loaded.source).toBe('best');
    expect(loaded.manifest.globalStep).toBe(1);
    await fs.rm(join(checkpointDir(dir, 'best'), 'model.json'));
    await expect(loadLatestCheckpoint(dir)).rejects.toThrow(
      /no usable checkpoint.*'best' is unusable: model\.json is missing/,
    );
  });

  it('crash between the renames: a complete temp dir newer than previous is recovered', async () => {
    const dir = await copyRun();
    const root = checkpointsRoot(dir);
    await fs.rename(join(root, 'last'), join(root, '.tmp-last-1-2-3'));
    const loaded = await loadLatestCheckpoint(dir);
    expect(loaded.source).toBe('recovered');
    expect(loaded.manifest.globalStep).toBe(3);
  });

  it('Trainer.resume falls back and continues from previous', async () => {
    const dir = await copyRun();
    await fs.truncate(join(checkpointDir(dir, 'last'), 'model.bin'), 10);
    const messages: string[] = [];
    const t = await Trainer.resume(dir, { train: source(), log: (m) => messages.push(m) });
    expect(t.resumedFrom).toBe('previous');
    expect(t.globalStep).toBe(2);
    expect(messages.join('\n')).toMatch(/'last' is unusable/);
    await t.step();
    expect(t.globalStep).toBe(3);
    t.dispose();
  });
});

describe('optimizer state', () => {
  it('round-trips exactly (iterations, m, v) and the next step matches', async () => {
    const a = await Trainer.create(config, { train: source() });
    for (let i = 0; i < 3; i++) await a.step();
    const payload = await a.getState();
    const b = await Trainer.create(config, { train: source() });
    b.restore(payload);
    expect(b.optimizerIterations).toBe(3);
    const again = await b.getState();
    expect(again.optimizer.map((s) => s.name)).toEqual(payload.optimizer.map((s) => s.name));
    payload.optimizer.forEach((s, i) =>
      expect(maxAbsDiff(s.data, again.optimizer[i]!.data)).toBe(0),
    );
    // Via disk as well.
    const { dir, cleanup } = tempDir('engine');
    cleanups.push(cleanup);
    await a.saveCheckpoint(dir, 'test');
    const disk = await readCheckpoint(checkpointDir(dir, 'last'));
    disk.payload.optimizer.forEach((s, i) =>
      expect(maxAbsDiff(s.data, payload.optimizer[i]!.data)).toBe(0),
    );
    const ra = await a.step();
    const rb = await b.step();
    expect(rb.loss).toBe(ra.loss);
    const wa = await a.getWeights();
    const wb = await b.getWeights();
    wa.forEach((w, i) => expect(maxAbsDiff(w.data, wb[i]!.data)).toBe(0));
    a.dispose();
    b.dispose();
  });
});

describe('resume from a chosen slot', () => {
  it('prefers the requested slot when intact, else falls back with a message', async () => {
    const dir = await copyRun();
    const best = await loadLatestCheckpoint(dir, { prefer: 'best' });
    expect(best.source).toBe('best');
    expect(best.messages).toEqual([]);
    await fs.rm(join(checkpointDir(dir, 'best'), 'manifest.json'));
    const fallback = await loadLatestCheckpoint(dir, { prefer: 'best' });
    expect(fallback.source).toBe('last');
    expect(fallback.messages.join('\n')).toMatch(/'best' is unusable: manifest\.json is missing/);
    const t = await Trainer.resume(dir, { train: source(), from: 'previous' });
    expect(t.resumedFrom).toBe('previous');
    expect(t.globalStep).toBe(2);
    t.dispose();
  });
});

describe('pause semantics', () => {
  it('refuses a checkpoint while a step is running; works right after it', async () => {
    const { dir, cleanup } = tempDir('engine');
    cleanups.push(cleanup);
    const t = await Trainer.create(config, { train: source() });
    const running = t.step();
    await expect(t.saveCheckpoint(dir, 'pause')).rejects.toThrow(/in progress/);
    await running;
    const written = await t.saveCheckpoint(dir, 'pause');
    expect(written.bytes).toBeGreaterThan(0);
    expect((await loadLatestCheckpoint(dir)).manifest.reason).toBe('pause');
    t.dispose();
  });
});

describe('network layout version', () => {
  /** A checkpoint like `last` of the base run, its state/weights edited, rewritten atomically. */
  async function editedRun(
    edit: (p: { state: TrainerState; model: NamedArray[] }) => void,
  ): Promise<string> {
    const dir = await copyRun();
    const { payload, manifest } = await readCheckpoint(checkpointDir(dir, 'last'));
    const state = TrainerState.parse(payload.state);
    const copy = { ...payload, state, model: [...payload.model] };
    edit(copy);
    await fs.rm(checkpointsRoot(dir), { recursive: true });
    await writeCheckpoint(dir, copy, { ...manifest, metric: null });
    return dir;
  }

  it('is recorded in every checkpoint', async () => {
    const { payload } = await readCheckpoint(checkpointDir(base.dir, 'last'));
    expect(TrainerState.parse(payload.state).architecture).toEqual({ id: 'default', version: 2 });
  });

  it('an older recorded version is refused naming the checkpoint and both versions', async () => {
    const dir = await editedRun((p) => {
      p.state.architecture = { id: 'default', version: 1 };
    });
    await expect(Trainer.resume(dir, { train: source() })).rejects.toThrow(
      new RegExp(
        `checkpoint ${checkpointDir(dir, 'last')} holds a default v1 network; this version of Seg Studio builds default v2`,
      ),
    );
  });

  it('an unversioned checkpoint of another layout says so instead of "unknown weight"', async () => {
    const dir = await editedRun((p) => {
      delete p.state.architecture;
      p.model.splice(0, 1, { ...p.model[0]!, name: 'enc1_old/kernel' });
    });
    await expect(Trainer.resume(dir, { train: source() })).rejects.toThrow(
      /holds an earlier default layout \(written before architecture versions were recorded\), which does not match the default v2 network .*unknown weight enc1_old\/kernel/,
    );
    // Unversioned checkpoints of the current layout still resume.
    const same = await editedRun((p) => {
      delete p.state.architecture;
    });
    const t = await Trainer.resume(same, { train: source() });
    expect(t.globalStep).toBe(3);
    t.dispose();
  });
});
