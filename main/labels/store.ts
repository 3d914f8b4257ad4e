/**
 * The edited masks of one project (`PROJECT/labels/`, layout in index-file.ts). Each save
 * writes a new revision file `masks/<split>/<id>/r<N>.png` atomically, then the index
 * atomically; a kill -9 between the two leaves the index naming the old revision, so readers
 * always see a whole old or a whole new mask. Earlier revisions stay (KEPT_VERSIONS per
 * sample). The editor's journal (`journal/<split>/<id>.jsonl`, appended and fsync'd between
 * saves) is replayed onto the saved mask by `read`. Operations run one at a time per store.
 *
 * Implements the dataset engine's LabelSource, so a DatasetIndex made `withLabels(store)`
 * reads every edited mask from here.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LabelState, MaskPatch } from '../../shared/contracts/labels';
import type { EditedMask, LabelSource } from '../dataset/label-source';
import { readIdMask } from '../dataset/label-source';
import { fsyncDir, writeFileAtomic, writeJsonAtomic } from '../fs/atomic';
import { readJsonOrNull } from '../fs/json';
import { LabelsError } from './errors';
import {
  entryKey,
  KEPT_VERSIONS,
  labelsLayout,
  LabelsIndexFile,
  type LabelEntry,
  type LabelsLayout,
  type LabelVersionEntry,
} from './index-file';
import { applyPatches, type IdMask } from './payload';
import { encodeIdPng } from './png';

/** The entry's kept versions, then its current mask (if it has one) as the newest of them. */
function withCurrentKept(entry: LabelEntry): LabelVersionEntry[] {
  if (!entry.file) return [...entry.versions];
  const current: LabelVersionEntry = {
    revision: entry.revision,
    savedAt: entry.updatedAt,
    source: entry.source ?? 'human',
    state: entry.state,
    file: entry.file,
  };
  return [...entry.versions, current];
}

export interface SaveRequest {
  readonly split: string;
  readonly id: string;
  readonly mask: IdMask;
  /** The revision the caller's mask was based on; older than the current one = conflict. */
  readonly baseRevision: number | null;
  readonly source: string;
  readonly state?: LabelState;
  /** SHA-256 of the dataset's annotation now; recorded when this save begins the edit. */
  readonly datasetSha256: string | null;
}

export interface SaveResult {
  readonly entry: LabelEntry;
  readonly bytes: number;
  readonly millis: number;
}

interface JournalRecord {
  readonly baseRevision: number;
  readonly patches: MaskPatch[];
}

/** Samples whose current mask the store keeps in memory (12 MB each at 4096x3072). */
const RECENT_MASKS = 2;

export class LabelStore implements LabelSource {
  private entries: Record<string, LabelEntry> = {};
  private queue: Promise<unknown> = Promise.resolve();
  private changes = 0;
  /** Journal records per sample that apply to `revision` (what appendJournal reports). */
  private journalCounts = new Map<string, { revision: number; count: number }>();
  /**
   * The current masks of the last few samples saved or read, so a save from patches (every
   * autosave after a stroke) does not decode the PNG just written: ~3 s of CPU for a
   * 4096x3072 mask on a loaded machine. Valid while the entry names the same file and update
   * time; callers must not modify them.
   */
  private recent = new Map<string, { file: string; updatedAt: number; mask: IdMask }>();

  private constructor(readonly layout: LabelsLayout) {}

  /** Opens (or starts) the labels folder of a project; an unreadable index is an error. */
  static async open(projectDir: string): Promise<LabelStore> {
    const store = new LabelStore(labelsLayout(projectDir));
    await store.reload();
    return store;
  }

  /** Re-reads the index (another process, e.g. the CLI, may have saved). */
  async reload(): Promise<void> {
    this.journalCounts.clear();
    const exists = await fs.stat(this.layout.indexFile).catch(() => null);
    if (!exists) {
      this.entries = {};
      return;
    }
    const parsed = await readJsonOrNull(this.layout.indexFile, LabelsIndexFile);
    if (!parsed) {
      throw new LabelsError(
        `${this.layout.indexFile} is not a valid labels index; move it aside to start over (the masks stay in ${this.layout.dir})`,
        'labels_index',
      );
    }
    this.entries = parsed.samples;
    this.changes++;
  }

  generation(): number {
    return this.changes;
  }

  editOf(split: string, id: string): EditedMask | null {
    const entry = this.entries[entryKey(split, id)];
    if (!entry?.file) return null;
    return { file: path.join(this.layout.dir, entry.file), stamp: `${entry.file}` };
  }

  entry(split: string, id: string): LabelEntry | undefined {
    return this.entries[entryKey(split, id)];
  }

  all(): readonly LabelEntry[] {
    return Object.values(this.entries);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeIndex(): Promise<void> {
    await writeJsonAtomic(this.layout.indexFile, { version: 1, samples: this.entries });
  }

  save(request: SaveRequest): Promise<SaveResult> {
    return this.serial(async () => {
      const started = performance.now();
      const { split, id, mask } = request;
      const key = entryKey(split, id);
      const previous = this.entries[key];
      const current = previous?.revision ?? 0;
      if (request.baseRevision !== null && request.baseRevision < current) {
        throw new LabelsError(
          `The label of ${split}/${id} was saved elsewhere (revision ${current}, yours is based on ${request.baseRevision}); reload it first`,
          'label_conflict',
        );
      }
      const revision = current + 1;
      const file = this.layout.maskFile(split, id, revision);
      const png = await encodeIdPng(mask.ids, mask.width, mask.height);
      await writeFileAtomic(path.join(this.layout.dir, file), png);
      const now = Date.now();
      const versions = previous ? withCurrentKept(previous) : [];
      const dropped = versions.splice(0, Math.max(0, versions.length - KEPT_VERSIONS));
      const entry: LabelEntry = {
        split,
        id,
        // A person's save of an unlabeled sample labels it; other states stay until set.
        state:
          request.state ??
          (previous && previous.state !== 'unlabeled' ? previous.state : 'labeled'),
        source: request.source,
        revision,
        file,
        width: mask.width,
        height: mask.height,
        baseSha256: previous?.file ? previous.baseSha256 : request.datasetSha256,
        createdAt: previous?.createdAt ?? now,
        updatedAt: now,
        versions,
      };
      this.entries[key] = entry;
      this.changes++;
      try {
        await this.writeIndex();
        this.remember(key, entry, mask);
      } catch (err) {
        if (previous) this.entries[key] = previous;
        else
          this.entries = Object.fromEntries(
            Object.entries(this.entries).filter(([k]) => k !== key),
          );
        throw err;
      }
      // The journal held edits up to this save; old revisions beyond the kept ones go.
      await fs.rm(this.layout.journalFile(split, id), { force: true });
      for (const v of dropped) await fs.rm(path.join(this.layout.dir, v.file), { force: true });
      return { entry, bytes: png.length, millis: performance.now() - started };
    });
  }

  /** Sets the review state; an unedited sample gets a state-only entry (its file stays current). */
  setState(split: string, id: string, state: LabelState): Promise<LabelEntry> {
    return this.serial(async () => {
      const key = entryKey(split, id);
      const now = Date.now();
      const previous = this.entries[key];
      const entry: LabelEntry = previous
        ? { ...previous, state, updatedAt: now }
        : {
            ...{ split, id, state, source: null, revision: 0, file: null },
            ...{ width: null, height: null, baseSha256: null, createdAt: now, updatedAt: now },
            versions: [],
          };
      this.entries[key] = entry;
      this.changes++;
      await this.writeIndex();
      return entry;
    });
  }

  /** Drops the edit (it stays in the versions), so the dataset's file is current again. */
  dropEdit(split: string, id: string): Promise<void> {
    return this.serial(async () => {
      const key = entryKey(split, id);
      const previous = this.entries[key];
      if (!previous?.file) return;
      const versions = withCurrentKept(previous).slice(-KEPT_VERSIONS);
      this.entries[key] = {
        ...previous,
        file: null,
        source: null,
        state: 'labeled',
        baseSha256: null,
        updatedAt: Date.now(),
        versions,
      };
      this.changes++;
      await this.writeIndex();
      await fs.rm(this.layout.journalFile(split, id), { force: true });
    });
  }

  /** Re-bases the edit on the dataset file as it is now (keep mine after a conflict). */
  rebase(split: string, id: string, datasetSha256: string | null): Promise<void> {
    return this.serial(async () => {
      const previous = this.entries[entryKey(split, id)];
      if (!previous) return;
      this.entries[entryKey(split, id)] = { ...previous, baseSha256: datasetSha256 };
      await this.writeIndex();
    });
  }

  private remember(key: string, entry: LabelEntry, mask: IdMask): void {
    if (!entry.file) return;
    this.recent.delete(key);
    if (this.recent.size >= RECENT_MASKS) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(key, { file: entry.file, updatedAt: entry.updatedAt, mask });
  }

  /**
   * A saved revision's mask (the current one, or one of the kept versions). The result may be
   * shared with later calls: copy it before changing it.
   */
  async readRevision(split: string, id: string, revision?: number): Promise<IdMask | null> {
    const entry = this.entry(split, id);
    if (!entry) return null;
    const current = revision === undefined || revision === entry.revision;
    const file = current ? entry.file : entry.versions.find((v) => v.revision === revision)?.file;
    if (!file) return null;
    const key = entryKey(split, id);
    const known = this.recent.get(key);
    if (current && known?.file === file && known.updatedAt === entry.updatedAt) return known.mask;
    const mask = await readIdMask(path.join(this.layout.dir, file));
    if (current) this.remember(key, entry, mask);
    return mask;
  }

  /** Appends the editor's patches since the last save; fsync'd so a kill -9 keeps them. */
  appendJournal(split: string, id: string, record: JournalRecord): Promise<number> {
    return this.serial(async () => {
      const file = this.layout.journalFile(split, id);
      await fs.mkdir(path.dirname(file), { recursive: true });
      const created = !(await fs.stat(file).catch(() => null));
      const handle = await fs.open(file, 'a');
      try {
        await handle.appendFile(`${JSON.stringify(record)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (created) await fsyncDir(path.dirname(file));
      // Counted, not re-read: parsing megabytes of journal on every stroke made a long edit
      // session slower with each append.
      const key = entryKey(split, id);
      const revision = this.entries[key]?.revision ?? 0;
      const known = this.journalCounts.get(key);
      const applies = record.baseRevision === revision ? 1 : 0;
      const count = created
        ? applies
        : known?.revision === revision
          ? known.count + applies
          : (await this.journal(split, id)).length;
      this.journalCounts.set(key, { revision, count });
      return count;
    });
  }

  async discardJournal(split: string, id: string): Promise<void> {
    await this.serial(() => fs.rm(this.layout.journalFile(split, id), { force: true }));
  }

  /** Journal records that apply to the current revision (a torn last line is skipped). */
  async journal(split: string, id: string): Promise<JournalRecord[]> {
    const text = await fs.readFile(this.layout.journalFile(split, id), 'utf8').catch(() => '');
    const revision = this.entry(split, id)?.revision ?? 0;
    const records: JournalRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const record = JSON.parse(line) as JournalRecord;
        if (record.baseRevision === revision && Array.isArray(record.patches)) records.push(record);
      } catch {
        // A line torn by a crash mid-append: everything before it is whole.
      }
    }
    return records;
  }

  /** `base` with the journal replayed on top; `replayed` counts the records applied. */
  async replay(
    split: string,
    id: string,
    base: IdMask,
  ): Promise<{ mask: IdMask; replayed: number }> {
    const records = await this.journal(split, id);
    let mask = base;
    for (const record of records) mask = applyPatches(mask, record.patches);
    return { mask, replayed: records.length };
  }
}
