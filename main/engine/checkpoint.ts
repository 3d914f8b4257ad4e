/**
 * Exact, crash-safe checkpoints.
 *
 * Layout: `<runDir>/checkpoints/{last,previous,best}/` each holding
 *   state.json       trainer state (epoch, step, data order, RNG scheme, schedule, config,
 *                    optimizer iterations, metrics history) - opaque JSON to this module
 *   model.json/.bin  model weights: JSON index (name, shape, dtype, offset, length) + raw
 *                    little-endian float32
 *   optimizer.json/.bin  Adam m/v slots, same format
 *   manifest.json    size + sha256 of every file above; written last
 *
 * A write goes to `checkpoints/.tmp-*` (each file fsynced, manifest last, dir fsynced), then
 * `previous` is retired, `last` becomes `previous`, the temp dir becomes `last` (renames) and
 * the parent dir is fsynced. Loading verifies manifests and picks the newest intact
 * checkpoint, falling back from a torn/corrupt `last` to `previous`, then `best` (a completed
 * temp dir left by a crash between the two renames also counts), with a message saying why.
 * Before the next write deletes any leftover, recoverInterruptedWrite() finishes the rotation a
 * crash cut short, so a complete temp `best` is never thrown away for a worse model.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { fsyncDir, writeFileDurable } from '../fs/atomic';
import type { NamedArray } from './optimizer';

export const CHECKPOINT_FORMAT = 'segstudio-checkpoint';
export const SLOTS = ['last', 'previous', 'best'] as const;
export type CheckpointSlot = (typeof SLOTS)[number];
const DATA_FILES = ['state.json', 'model.json', 'model.bin', 'optimizer.json', 'optimizer.bin'];

const FileEntry = z.object({ size: z.number().int().min(0), sha256: z.string().length(64) });

export const CheckpointManifest = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(1),
  slot: z.enum(SLOTS),
  reason: z.string(),
  createdAt: z.string(),
  globalStep: z.number().int().min(0),
  epoch: z.number().int().min(0),
  stepInEpoch: z.number().int().min(0),
  metric: z.number().nullable(),
  files: z.record(z.string(), FileEntry),
});
export type CheckpointManifest = z.infer<typeof CheckpointManifest>;

const TensorIndex = z.object({
  format: z.literal('segstudio-tensors'),
  version: z.literal(1),
  byteOrder: z.literal('little'),
  tensors: z.array(
    z.object({
      name: z.string(),
      shape: z.array(z.number().int().min(0)),
      dtype: z.literal('float32'),
      offset: z.number().int().min(0),
      length: z.number().int().min(0),
    }),
  ),
});

export interface CheckpointPayload {
  /** JSON-serialisable trainer state. */
  readonly state: unknown;
  readonly model: readonly NamedArray[];
  readonly optimizer: readonly NamedArray[];
}

export interface CheckpointInfo {
  readonly reason: string;
  readonly globalStep: number;
  readonly epoch: number;
  readonly stepInEpoch: number;
  /** Metric for `best` selection (e.g. val mIoU); null/undefined = not evaluated. */
  readonly metric?: number | null;
}

export function checkpointsRoot(runDir: string): string {
  return join(runDir, 'checkpoints');
}

export function checkpointDir(runDir: string, slot: CheckpointSlot): string {
  return join(checkpointsRoot(runDir), slot);
}

/** Raw float32 little-endian packing: returns the JSON index and the binary blob. */
export function packTensors(arrays: readonly NamedArray[]): { index: string; bin: Buffer } {
  if (endianness() !== 'LE') throw new Error('checkpoints require a little-endian host');
  let offset = 0;
  const tensors = arrays.map((a) => {
    const length = a.data.length;
    const expected = a.shape.reduce((x, y) => x * y, 1);
    if (expected !== length) throw new Error(`tensor ${a.name}: shape/length mismatch`);
    const spec = { name: a.name, shape: [...a.shape], dtype: 'float32' as const, offset, length };
    offset += length * 4;
    return spec;
  });
  const bin = Buffer.alloc(offset);
  for (const [i, a] of arrays.entries()) {
    const spec = tensors[i]!;
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).copy(bin, spec.offset);
  }
  const index = JSON.stringify({
    format: 'segstudio-tensors',
    version: 1,
    byteOrder: 'little',
    tensors,
  });
  return { index, bin };
}

export function unpackTensors(indexJson: string, bin: Uint8Array): NamedArray[] {
  const index = TensorIndex.parse(JSON.parse(indexJson));
  return index.tensors.map((t) => {
    const expected = t.shape.reduce((x, y) => x * y, 1);
    if (expected !== t.length) throw new Error(`tensor ${t.name}: shape/length mismatch`);
    const end = t.offset + t.length * 4;
    if (end > bin.byteLength) throw new Error(`tensor ${t.name} extends past the end of the file`);
    const bytes = bin.buffer.slice(bin.byteOffset + t.offset, bin.byteOffset + end);
    return { name: t.name, shape: t.shape, data: new Float32Array(bytes) };
  });
}

let tmpCounter = 0;

async function writeSlotToTemp(
  root: string,
  slot: CheckpointSlot,
  files: ReadonlyMap<string, Uint8Array | string>,
  info: CheckpointInfo,
): Promise<string> {
  const tmp = join(root, `.tmp-${slot}-${process.pid}-${Date.now()}-${tmpCounter++}`);
  await fs.mkdir(tmp, { recursive: true });
  const entries: Record<string, { size: number; sha256: string }> = {};
  for (const [name, data] of files) {
    await writeFileDurable(join(tmp, name), data);
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    entries[name] = { size, sha256: sha256(data) };
  }
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    slot,
    reason: info.reason,
    createdAt: new Date().toISOString(),
    globalStep: info.globalStep,
    epoch: info.epoch,
    stepInEpoch: info.stepInEpoch,
    metric: info.metric ?? null,
    files: entries,
  };
  await writeFileDurable(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2));
  await fsyncDir(tmp);
  return tmp;
}

async function removeStale(root: string, keep: ReadonlySet<string>): Promise<void> {
  for (const name of await fs.readdir(root)) {
    if ((name.startsWith('.tmp-') || name.startsWith('.trash-')) && !keep.has(name)) {
      await fs.rm(join(root, name), { recursive: true, force: true });
    }
  }
}

export interface CheckpointWriteResult {
  readonly dir: string;
  readonly bestUpdated: boolean;
  /** What recoverInterruptedWrite() put back before this write (empty normally). */
  readonly recovered: readonly string[];
  readonly bytes: number;
  readonly seconds: number;
}

/**
 * Writes `payload` as the new `last` (rotating the old one to `previous`), and also as `best`
 * when `info.metric` beats the metric recorded in the current best (higher is better).
 */
export async function writeCheckpoint(
  runDir: string,
  payload: CheckpointPayload,
  info: CheckpointInfo,
): Promise<CheckpointWriteResult> {
  const started = performance.now();
  const root = checkpointsRoot(runDir);
  if (!(await exists(root))) {
    await fs.mkdir(root, { recursive: true });
    await fsyncDir(runDir);
  }
  // Must run before anything below renames or removes a slot or a leftover.
  const recovered = await recoverInterruptedWrite(root);
  const model = packTensors(payload.model);
  const optimizer = packTensors(payload.optimizer);
  const files = new Map<string, Uint8Array | string>([
    ['state.json', JSON.stringify(payload.state)],
    ['model.json', model.index],
    ['model.bin', model.bin],
    ['optimizer.json', optimizer.index],
    ['optimizer.bin', optimizer.bin],
  ]);
  let bytes = 0;
  for (const data of files.values()) {
    bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  }

  const tmp = await writeSlotToTemp(root, 'last', files, info);
  const last = join(root, 'last');
  const previous = join(root, 'previous');
  const trash = join(root, `.trash-${process.pid}-${Date.now()}-${tmpCounter++}`);
  // Without a `last` there is nothing to rotate: `previous` stays the fallback.
  if (await exists(last)) {
    if (await exists(previous)) await fs.rename(previous, trash);
    await fs.rename(last, previous);
  }
  await fs.rename(tmp, last);
  await fsyncDir(root);

  let bestUpdated = false;
  if (typeof info.metric === 'number' && Number.isFinite(info.metric)) {
    const current = await verifyCheckpoint(join(root, 'best'));
    const currentMetric = current.ok ? current.manifest.metric : null;
    if (currentMetric === null || info.metric > currentMetric) {
      const tmpBest = await writeSlotToTemp(root, 'best', files, info);
      const best = join(root, 'best');
      const trashBest = join(root, `.trash-${process.pid}-${Date.now()}-${tmpCounter++}`);
      if (await exists(best)) await fs.rename(best, trashBest);
      await fs.rename(tmpBest, best);
      await fsyncDir(root);
      bestUpdated = true;
    }
  }
  await removeStale(root, new Set());
  const seconds = (performance.now() - started) / 1000;
  return { dir: last, bestUpdated, recovered, bytes, seconds };
}

interface Leftover {
  readonly dir: string;
  readonly manifest: CheckpointManifest;
}

/**
 * Finishes a rotation a crash interrupted, from verified leftovers only. A write renames
 * `previous` to `.trash-*`, `last` to `previous`, `.tmp-last-*` to `last`, then `best` to
 * `.trash-*` and `.tmp-best-*` to `best`; a crash between two renames leaves a slot missing.
 * A missing/unusable `best` gets the leftover with the highest metric (a temp `best` is only
 * written when it beats the old one), `last` the newest leftover `last` (the old one moving to
 * a missing `previous`), `previous` the newest older one. Returns one sentence per slot.
 */
export async function recoverInterruptedWrite(root: string): Promise<string[]> {
  const leftovers: Leftover[] = [];
  for (const name of (await fs.readdir(root)).sort()) {
    if (!name.startsWith('.tmp-') && !name.startsWith('.trash-')) continue;
    const v = await verifyCheckpoint(join(root, name));
    if (v.ok) leftovers.push({ dir: join(root, name), manifest: v.manifest });
  }
  if (leftovers.length === 0) return [];
  const done: string[] = [];
  const slotStep = async (slot: CheckpointSlot): Promise<number | null> => {
    const v = await verifyCheckpoint(join(root, slot));
    return v.ok ? v.manifest.globalStep : null;
  };
  const place = async (from: Leftover | CheckpointSlot, slot: CheckpointSlot): Promise<void> => {
    const target = join(root, slot);
    // An unusable slot is moved aside, not deleted: the stale sweep removes it after the write.
    const aside = join(root, `.trash-${process.pid}-${Date.now()}-${tmpCounter++}`);
    if (await exists(target)) await fs.rename(target, aside);
    const source = typeof from === 'string' ? join(root, from) : from.dir;
    await fs.rename(source, target);
    await fsyncDir(root);
    if (typeof from !== 'string') leftovers.splice(leftovers.indexOf(from), 1);
    const step = typeof from === 'string' ? await slotStep(slot) : from.manifest.globalStep;
    done.push(`recovered checkpoint '${slot}' (step ${step}) from an interrupted write`);
  };
  const newestFirst = (a: Leftover, b: Leftover): number =>
    b.manifest.globalStep - a.manifest.globalStep;

  if ((await slotStep('best')) === null) {
    const metric = (l: Leftover): number => l.manifest.metric ?? Number.NEGATIVE_INFINITY;
    const best = leftovers
      .filter((l) => l.manifest.slot === 'best')
      .sort((a, b) => metric(b) - metric(a) || newestFirst(a, b))[0];
    if (best) await place(best, 'best');
  }
  const lasts = (): Leftover[] =>
    leftovers.filter((l) => l.manifest.slot === 'last').sort(newestFirst);
  let lastStep = await slotStep('last');
  const newest = lasts()[0];
  if (newest && (lastStep === null || newest.manifest.globalStep > lastStep)) {
    // With `previous` gone the crash hit between its two renames: the old `last` moves down.
    if (lastStep !== null && (await slotStep('previous')) === null) await place('last', 'previous');
    await place(newest, 'last');
    lastStep = newest.manifest.globalStep;
  }
  if ((await slotStep('previous')) === null && lastStep !== null) {
    const older = lasts().find((l) => l.manifest.globalStep < lastStep);
    if (older) await place(older, 'previous');
  }
  return done;
}

type Verified =
  | { ok: true; manifest: CheckpointManifest; files: Map<string, Buffer> }
  | { ok: false; reason: string };

/** Reads a checkpoint directory and checks the manifest, sizes and hashes of every file. */
export async function verifyCheckpoint(dir: string): Promise<Verified> {
  let manifest: CheckpointManifest;
  try {
    const text = await fs.readFile(join(dir, 'manifest.json'), 'utf8');
    manifest = CheckpointManifest.parse(JSON.parse(text));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return { ok: false, reason: (await exists(dir)) ? 'manifest.json is missing' : 'missing' };
    }
    return { ok: false, reason: `manifest.json is unreadable (${(err as Error).message})` };
  }
  const files = new Map<string, Buffer>();
  for (const name of DATA_FILES) {
    const entry = manifest.files[name];
    if (!entry) return { ok: false, reason: `manifest does not list ${name}` };
    let data: Buffer;
    try {
      data = await fs.readFile(join(dir, name));
    } catch {
      return { ok: false, reason: `${name} is missing` };
    }
    if (data.byteLength !== entry.size) {
      return {
        ok: false,
        reason: `${name} is ${data.byteLength} bytes, manifest says ${entry.size} (torn write)`,
      };
    }
    if (sha256(data) !== entry.sha256)
      return { ok: false, reason: `${name} fails its sha256 check` };
    files.set(name, data);
  }
  return { ok: true, manifest, files };
}

export interface LoadedCheckpoint {
  /** `last`, `previous`, `best`, or `recovered` (a complete temp dir left by a crash). */
  readonly source: CheckpointSlot | 'recovered';
  readonly dir: string;
  readonly manifest: CheckpointManifest;
  readonly payload: CheckpointPayload;
  /** Human-readable notes on every checkpoint skipped, and why. Empty if `last` was used. */
  readonly messages: readonly string[];
}

function parsePayload(files: Map<string, Buffer>): CheckpointPayload {
  const text = (name: string): string => files.get(name)!.toString('utf8');
  return {
    state: JSON.parse(text('state.json')) as unknown,
    model: unpackTensors(text('model.json'), files.get('model.bin')!),
    optimizer: unpackTensors(text('optimizer.json'), files.get('optimizer.bin')!),
  };
}

/** Reads one checkpoint directory (verified). Throws with the reason if it is unusable. */
export async function readCheckpoint(
  dir: string,
): Promise<{ manifest: CheckpointManifest; payload: CheckpointPayload }> {
  const v = await verifyCheckpoint(dir);
  if (!v.ok) throw new Error(`checkpoint ${dir} is unusable: ${v.reason}`);
  return { manifest: v.manifest, payload: parsePayload(v.files) };
}

/**
 * Loads the newest intact checkpoint of a run: `last`, else `previous`, else `best` (or a
 * completed temp dir if a crash hit between renames and it is newer). With `prefer`, that slot
 * is used when intact (else the same fallback applies). Throws if none is usable.
 */
export async function loadLatestCheckpoint(
  runDir: string,
  opts: { readonly prefer?: CheckpointSlot } = {},
): Promise<LoadedCheckpoint> {
  const root = checkpointsRoot(runDir);
  const candidates: { source: CheckpointSlot | 'recovered'; dir: string; rank: number }[] = [
    { source: 'last', dir: join(root, 'last'), rank: 0 },
    { source: 'previous', dir: join(root, 'previous'), rank: 2 },
    { source: 'best', dir: join(root, 'best'), rank: 3 },
  ];
  if (await exists(root)) {
    for (const name of (await fs.readdir(root)).sort()) {
      if (name.startsWith('.tmp-'))
        candidates.push({ source: 'recovered', dir: join(root, name), rank: 1 });
    }
  }
  const problems: string[] = [];
  const usable: {
    source: CheckpointSlot | 'recovered';
    dir: string;
    rank: number;
    manifest: CheckpointManifest;
    files: Map<string, Buffer>;
  }[] = [];
  for (const c of candidates) {
    const v = await verifyCheckpoint(c.dir);
    if (v.ok) {
      usable.push({ ...c, manifest: v.manifest, files: v.files });
    } else if (c.source !== 'recovered' && !(c.source === 'best' && v.reason === 'missing')) {
      problems.push(`checkpoint '${c.source}' is unusable: ${v.reason}`);
    }
  }
  usable.sort((a, b) => b.manifest.globalStep - a.manifest.globalStep || a.rank - b.rank);
  if (opts.prefer && opts.prefer !== 'last') {
    // An explicitly requested slot (e.g. resume from `best`) goes first when it is intact.
    const i = usable.findIndex((u) => u.source === opts.prefer);
    if (i > 0) usable.unshift(...usable.splice(i, 1));
  }
  for (const u of usable) {
    try {
      const payload = parsePayload(u.files);
      const wanted = opts.prefer ?? 'last';
      const messages =
        u.source === wanted
          ? []
          : [
              ...problems,
              `resuming from '${u.source}' (epoch ${u.manifest.epoch}, step ${u.manifest.globalStep}, written ${u.manifest.createdAt})`,
            ];
      return { source: u.source, dir: u.dir, manifest: u.manifest, payload, messages };
    } catch (err) {
      problems.push(`checkpoint '${u.source}' is unusable: ${(err as Error).message}`);
    }
  }
  throw new Error(
    `no usable checkpoint in ${root}${problems.length ? `: ${problems.join('; ')}` : ''}`,
  );
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}
