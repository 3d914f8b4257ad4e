/**
 * Label operations on one sample, shared by the labels service and the `segstudio labels`
 * commands: status of every sample, the current mask (edit + journal, else the dataset's
 * file), saving, conflicts with the dataset's file changing on disk.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type {
  LabelCounts,
  LabelState,
  LabelsStatus,
  SampleLabelStatus,
} from '../../shared/contracts/labels';
import { decodeMask } from '../dataset/decode';
import type { DatasetIndex, SampleRecord } from '../dataset/index';
import { LabelsError } from './errors';
import type { IdMask } from './payload';
import type { LabelStore } from './store';

/** Size, mtime, ctime and inode of a file (null when it is not one): same stamp, same bytes. */
async function statStamp(file: string): Promise<string | null> {
  const stat = await fs.stat(file).catch(() => null);
  return stat?.isFile() ? `${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}` : null;
}

/** Hashes already taken, by path, valid while the file's size, mtime and inode stay. */
const hashes = new Map<string, { stamp: string; sha256: string }>();
const HASHES_KEPT = 256;

/**
 * SHA-256 of a file, or null when it does not exist. The dataset's annotation is hashed on
 * every load and save to notice it changing under an edit; re-reading a large mask each time
 * cost a save more than its own PNG, so a hash is reused while stat says the file is the same.
 */
export async function fileSha256(file: string | null): Promise<string | null> {
  if (!file) return null;
  const stamp = await statStamp(file);
  if (!stamp) return null;
  const known = hashes.get(file);
  if (known?.stamp === stamp) return known.sha256;
  const bytes = await fs.readFile(file).catch(() => null);
  if (!bytes) return null;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (hashes.size >= HASHES_KEPT) hashes.delete(hashes.keys().next().value!);
  hashes.set(file, { stamp, sha256 });
  return sha256;
}

/**
 * The id an eraser writes: the dataset's void, else the first id from 255 that no class uses.
 * A negative void id (I2DL's -1) cannot be stored in a PNG, so it is written as that free id,
 * which trains as ignored just the same.
 */
export function eraseId(index: DatasetIndex): number {
  const d = index.descriptor;
  if (d.voidId !== null && d.voidId >= 0 && d.voidId < 65_536) return d.voidId;
  const used = new Set(d.classes.map((c) => c.id));
  for (let id = 255; id < 65_536; id++) if (!used.has(id)) return id;
  return 0;
}

/** Every sample and unlabeled image of the index (or of one split), in split order. */
export function labelableSamples(index: DatasetIndex, split?: string): SampleRecord[] {
  const out: SampleRecord[] = [];
  for (const [name, s] of Object.entries(index.splits)) {
    if (split !== undefined && name !== split) continue;
    out.push(...s.samples, ...(s.unlabeled ?? []));
  }
  return out;
}

const hasMask = (index: DatasetIndex, store: LabelStore, record: SampleRecord): boolean =>
  record.annotation !== '' || store.editOf(record.split, record.id) !== null;

/** A state set by hand wins; otherwise a sample with a mask is labeled, an image without unlabeled. */
export function stateOf(index: DatasetIndex, store: LabelStore, record: SampleRecord): LabelState {
  return (
    store.entry(record.split, record.id)?.state ??
    (hasMask(index, store, record) ? 'labeled' : 'unlabeled')
  );
}

export function requireSample(index: DatasetIndex, split: string, id: string): SampleRecord {
  const record = index.findLabelable(id, split);
  if (!record) {
    throw new LabelsError(`No usable sample "${id}" in split "${split}"`, 'no_sample');
  }
  return record;
}

function sampleStatus(
  index: DatasetIndex,
  store: LabelStore,
  record: SampleRecord,
): SampleLabelStatus {
  const entry = store.entry(record.split, record.id);
  const edited = entry?.file != null;
  return {
    split: record.split,
    id: record.id,
    name: record.id,
    // A sample with a mask in the dataset and no state set by hand counts as labeled.
    state: stateOf(index, store, record),
    edited,
    source: edited ? (entry?.source ?? 'human') : null,
    updatedAt: entry?.updatedAt ?? null,
  };
}

export function statusOf(index: DatasetIndex, store: LabelStore, split?: string): LabelsStatus {
  const counts: LabelCounts = { unlabeled: 0, draft: 0, labeled: 0, reviewed: 0, edited: 0 };
  const samples: SampleLabelStatus[] = [];
  for (const record of labelableSamples(index, split)) {
    const status = sampleStatus(index, store, record);
    counts[status.state]++;
    if (status.edited) counts.edited++;
    samples.push(status);
  }
  return { counts, samples };
}

export function sampleStatusOf(
  index: DatasetIndex,
  store: LabelStore,
  split: string,
  id: string,
): SampleLabelStatus {
  return sampleStatus(index, store, requireSample(index, split, id));
}

export interface CurrentLabel {
  readonly mask: IdMask;
  readonly origin: 'edit' | 'dataset' | 'none';
  readonly state: LabelState;
  readonly source: string | null;
  readonly revision: number;
  readonly journalReplayed: number;
  readonly baseSha256: string | null;
  readonly currentSha256: string | null;
}

/**
 * The dataset's own mask of a sample as dataset ids (unknown values kept as they are); all
 * erased (void / unlabeled) for an image that has none.
 */
export async function datasetMask(index: DatasetIndex, record: SampleRecord): Promise<IdMask> {
  const file = record.annotation;
  const stamp = file ? await statStamp(file) : null;
  const known = decodedMasks.get(file);
  if (stamp && known?.stamp === stamp && known.index === index) return known.mask;
  const mask = await decodeDatasetMask(index, record);
  if (stamp) {
    decodedMasks.delete(file);
    if (decodedMasks.size >= DECODED_KEPT) decodedMasks.delete(decodedMasks.keys().next().value!);
    decodedMasks.set(file, { stamp, index, mask });
  }
  return mask;
}

/**
 * Dataset masks decoded lately, by path, valid while the stamp and the index stay: opening a
 * sample and its first save from patches each needed it (seconds of CPU at 4096x3072).
 * Shared with callers, who must not modify them.
 */
const decodedMasks = new Map<string, { stamp: string; index: DatasetIndex; mask: IdMask }>();
const DECODED_KEPT = 2;

async function decodeDatasetMask(index: DatasetIndex, record: SampleRecord): Promise<IdMask> {
  if (record.annotation === '') {
    const erase = eraseId(index);
    const ids =
      erase > 255
        ? new Uint16Array(record.width * record.height)
        : new Uint8Array(record.width * record.height);
    return { width: record.width, height: record.height, ids: ids.fill(erase) };
  }
  const keys = await decodeMask(record.annotation, index.descriptor.encoding);
  const ids = index.mapper.idsOfKeys(keys.keys, eraseId(index));
  const narrow = ids.every((v) => v <= 255);
  return { width: keys.width, height: keys.height, ids: narrow ? Uint8Array.from(ids) : ids };
}

export async function currentLabel(
  index: DatasetIndex,
  store: LabelStore,
  split: string,
  id: string,
): Promise<CurrentLabel> {
  const record = requireSample(index, split, id);
  const entry = store.entry(split, id);
  const currentSha256 = await fileSha256(record.annotation || null);
  const saved = entry?.file ? await store.readRevision(split, id) : null;
  const base = saved ?? (await datasetMask(index, record));
  const { mask, replayed } = await store.replay(split, id, base);
  return {
    mask,
    origin: saved ? 'edit' : record.annotation ? 'dataset' : 'none',
    state: stateOf(index, store, record),
    source: saved ? (entry?.source ?? 'human') : null,
    revision: entry?.revision ?? 0,
    journalReplayed: replayed,
    baseSha256: saved ? (entry?.baseSha256 ?? null) : currentSha256,
    currentSha256,
  };
}

/** Saves a mask for a sample after checking it fits the sample's image. */
export async function saveLabel(
  index: DatasetIndex,
  store: LabelStore,
  request: {
    split: string;
    id: string;
    mask: IdMask;
    baseRevision: number | null;
    source: string;
    state?: LabelState;
  },
) {
  const record = requireSample(index, request.split, request.id);
  if (request.mask.width !== record.width || request.mask.height !== record.height) {
    throw new LabelsError(
      `The mask is ${request.mask.width}x${request.mask.height} but the image of ${request.id} is ${record.width}x${record.height}`,
      'bad_mask',
    );
  }
  // The hash is recorded only when this save begins the edit (store.save keeps the first).
  const begins = !store.entry(request.split, request.id)?.file;
  return store.save({
    ...request,
    datasetSha256: begins ? await fileSha256(record.annotation || null) : null,
  });
}
