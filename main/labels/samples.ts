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
import type { LabelEntry } from './index-file';
import type { IdMask } from './payload';
import type { LabelStore } from './store';

/** SHA-256 of a file, or null when it does not exist. */
export async function fileSha256(file: string | null): Promise<string | null> {
  if (!file) return null;
  const bytes = await fs.readFile(file).catch(() => null);
  return bytes ? createHash('sha256').update(bytes).digest('hex') : null;
}

/** The id an eraser writes: the dataset's void, else 255 (or the first id no class uses). */
export function eraseId(index: DatasetIndex): number {
  const d = index.descriptor;
  if (d.voidId !== null) return d.voidId;
  const used = new Set(d.classes.map((c) => c.id));
  for (let id = 255; id < 65_536; id++) if (!used.has(id)) return id;
  return 0;
}

export function requireSample(index: DatasetIndex, split: string, id: string): SampleRecord {
  const record = index.findSample(id, split);
  if (!record) {
    throw new LabelsError(`No usable sample "${id}" in split "${split}"`, 'no_sample');
  }
  return record;
}

function sampleStatus(
  split: string,
  record: SampleRecord,
  entry: LabelEntry | undefined,
): SampleLabelStatus {
  const edited = entry?.file != null;
  return {
    split,
    id: record.id,
    name: record.id,
    // A sample with a mask in the dataset and no state set by hand counts as labeled.
    state: entry?.state ?? 'labeled',
    edited,
    source: edited ? (entry?.source ?? 'human') : null,
    updatedAt: entry?.updatedAt ?? null,
  };
}

export function statusOf(index: DatasetIndex, store: LabelStore, split?: string): LabelsStatus {
  const counts: LabelCounts = { unlabeled: 0, draft: 0, labeled: 0, reviewed: 0, edited: 0 };
  const samples: SampleLabelStatus[] = [];
  for (const [name, splitIndex] of Object.entries(index.splits)) {
    if (split !== undefined && name !== split) continue;
    for (const record of splitIndex.samples) {
      const status = sampleStatus(name, record, store.entry(name, record.id));
      counts[status.state]++;
      if (status.edited) counts.edited++;
      samples.push(status);
    }
  }
  return { counts, samples };
}

export function sampleStatusOf(
  index: DatasetIndex,
  store: LabelStore,
  split: string,
  id: string,
): SampleLabelStatus {
  return sampleStatus(split, requireSample(index, split, id), store.entry(split, id));
}

export interface CurrentLabel {
  readonly mask: IdMask;
  readonly origin: 'edit' | 'dataset';
  readonly state: LabelState;
  readonly source: string | null;
  readonly revision: number;
  readonly journalReplayed: number;
  readonly baseSha256: string | null;
  readonly currentSha256: string | null;
}

/** The dataset's own mask of a sample as dataset ids (unknown values kept as they are). */
export async function datasetMask(index: DatasetIndex, record: SampleRecord): Promise<IdMask> {
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
  const currentSha256 = await fileSha256(record.annotation);
  const saved = entry?.file ? await store.readRevision(split, id) : null;
  const base = saved ?? (await datasetMask(index, record));
  const { mask, replayed } = await store.replay(split, id, base);
  return {
    mask,
    origin: saved ? 'edit' : 'dataset',
    state: entry?.state ?? 'labeled',
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
  return store.save({
    ...request,
    datasetSha256: await fileSha256(record.annotation),
  });
}
