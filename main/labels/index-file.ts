/**
 * `PROJECT/labels/index.json`: one entry per sample that has an edit or a state set by hand.
 * The index is the truth: a mask file the index does not name (a save killed before the index
 * was replaced) is ignored and removed on the next open. Written atomically after the mask.
 */
import path from 'node:path';
import { z } from 'zod';
import { LabelState, LabelVersion } from '../../shared/contracts/labels';

export const LABELS_DIR = 'labels';
export const INDEX_FILE = 'index.json';
/** Earlier versions kept per sample, besides the current one. */
export const KEPT_VERSIONS = 20;

/** A kept version as the contract lists it, plus where its mask lies. */
export const LabelVersionEntry = LabelVersion.extend({
  revision: z.number().int().min(1),
  /** Relative to the labels folder. */
  file: z.string(),
});
export type LabelVersionEntry = z.infer<typeof LabelVersionEntry>;

export const LabelEntry = z.object({
  split: z.string(),
  id: z.string(),
  state: LabelState,
  /** `human` or `prediction:<run>@<checkpoint>`; null for a state set on an unedited sample. */
  source: z.string().nullable(),
  /** Revision of the current mask; 0 = no edit saved (state only). */
  revision: z.number().int().min(0),
  /** Current mask, relative to the labels folder; null = the dataset's file is current. */
  file: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  /** SHA-256 of the dataset's annotation file when the edit began (null: it had none). */
  baseSha256: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** Earlier revisions, oldest first, at most KEPT_VERSIONS. */
  versions: z.array(LabelVersionEntry),
});
export type LabelEntry = z.infer<typeof LabelEntry>;

export const LabelsIndexFile = z.object({
  version: z.literal(1),
  samples: z.record(z.string(), LabelEntry),
});
export type LabelsIndexFile = z.infer<typeof LabelsIndexFile>;

export const entryKey = (split: string, id: string): string => `${split}/${id}`;

/** A file-system-safe, collision-free folder name for a sample id or split. */
export function safeStem(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  if (safe === name && !name.startsWith('.')) return name;
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
  return `${safe.replace(/^\./, '_')}~${hash.toString(16)}`;
}

export interface LabelsLayout {
  readonly dir: string;
  readonly indexFile: string;
  /** `masks/<split>/<id>/r<revision>.png`, relative to `dir`. */
  maskFile(split: string, id: string, revision: number): string;
  journalFile(split: string, id: string): string;
  /** Where `--in-place` export keeps each original before replacing it. */
  readonly originalsDir: string;
}

export function labelsLayout(projectDir: string): LabelsLayout {
  const dir = path.join(projectDir, LABELS_DIR);
  return {
    dir,
    indexFile: path.join(dir, INDEX_FILE),
    maskFile: (split, id, revision) =>
      path.join('masks', safeStem(split), safeStem(id), `r${revision}.png`),
    journalFile: (split, id) => path.join(dir, 'journal', safeStem(split), `${safeStem(id)}.jsonl`),
    originalsDir: path.join(dir, 'originals'),
  };
}
