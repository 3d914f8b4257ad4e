import type { SplitCounts } from '../../shared/contracts/common';
import type { DatasetDescriptor, Problem } from '../../shared/dataset/descriptor';
import { ClassMapper } from './classes';
import type { MaskKeys } from './decode';
import {
  datasetFileLabels,
  readCurrentMask,
  type CurrentMask,
  type LabelSource,
} from './label-source';
import type { SampleRecord } from './records';
import type { MaskScan } from './scan';
import { DatasetSampleSource } from './sample-source';
import type { SampleSource } from './source';

export interface SplitIndex {
  /** Samples the split names (list lines, or files found), usable or not. */
  readonly listed: number;
  readonly usable: number;
  /** The usable samples only, in list order: the ones with a current mask. */
  readonly samples: readonly SampleRecord[];
  /**
   * Images without any mask yet (a project made from a folder of images, or a dataset image
   * with no annotation file): their `annotation` is ''. Not counted in `usable`. Through a label source, the ones with an edit move into `samples`.
   */
  readonly unlabeled?: readonly SampleRecord[];
}

/** What a split's report shows: listed, usable and unlabeled samples. */
export function countsOf(split: SplitIndex): SplitCounts {
  return { listed: split.listed, usable: split.usable, unlabeled: split.unlabeled?.length ?? 0 };
}

/** `split` with the unlabeled images that now have an edit counted as samples. */
function mergeEdited(split: SplitIndex, labels: LabelSource): SplitIndex {
  if (!split.unlabeled?.length) return split;
  const edited = split.unlabeled.filter((r) => labels.editOf(r.split, r.id));
  if (edited.length === 0) return split;
  const samples = [...split.samples, ...edited];
  return {
    listed: split.listed,
    usable: samples.length,
    samples,
    unlabeled: split.unlabeled.filter((r) => !labels.editOf(r.split, r.id)),
  };
}

/** An opened dataset: what it is, what is usable, what is wrong, and a loader per split. */
export class DatasetIndex {
  private mapperCache: ClassMapper | undefined;
  private byId: Map<string, Map<string, SampleRecord>> | undefined;
  private merged: { generation: number; splits: Readonly<Record<string, SplitIndex>> } | undefined;

  constructor(
    readonly descriptor: DatasetDescriptor,
    /** The splits as the dataset's files make them (see `splits` for the current view). */
    readonly datasetSplits: Readonly<Record<string, SplitIndex>>,
    readonly problems: readonly Problem[],
    /** Per-sample annotation value counts from a deep open (keyed by scanKey). */
    readonly scans: ReadonlyMap<string, MaskScan> = new Map(),
    /** Where current masks come from (label-source.ts); the dataset's files by default. */
    readonly labels: LabelSource = datasetFileLabels,
    /**
     * Folders the dataset's files may lie in (`allowedRoots` in fs/inside.ts, decided at open):
     * the media route, thumbnails and export confine the dataset's files to these.
     */
    readonly allowedRoots: readonly string[] = [descriptor.root],
  ) {}

  /** The same dataset read through another label source (a project's edits). */
  withLabels(labels: LabelSource): DatasetIndex {
    return this.copyWith({ labels });
  }

  /** The same files, problems and scans under an edited descriptor (class names, colours). */
  withDescriptor(descriptor: DatasetDescriptor): DatasetIndex {
    return this.copyWith({ descriptor });
  }

  private copyWith(change: {
    readonly descriptor?: DatasetDescriptor;
    readonly labels?: LabelSource;
  }): DatasetIndex {
    return new DatasetIndex(
      change.descriptor ?? this.descriptor,
      this.datasetSplits,
      this.problems,
      this.scans,
      change.labels ?? this.labels,
      this.allowedRoots,
    );
  }

  /**
   * The splits as the label source makes them: an image that has been labelled since is a
   * sample. Recomputed when the label source's generation moves (a save, a dropped edit).
   */
  get splits(): Readonly<Record<string, SplitIndex>> {
    const generation = this.labels.generation();
    if (this.merged?.generation !== generation) {
      const splits: Record<string, SplitIndex> = {};
      for (const [name, split] of Object.entries(this.datasetSplits)) {
        splits[name] = mergeEdited(split, this.labels);
      }
      this.merged = { generation, splits };
      this.byId = undefined;
    }
    return this.merged.splits;
  }

  /** A sample or an unlabeled image of a split (the editor opens both). */
  findLabelable(id: string, split: string): SampleRecord | undefined {
    return this.findSample(id, split) ?? this.splits[split]?.unlabeled?.find((r) => r.id === id);
  }

  /** The file that is a sample's current mask: its edit if there is one, else its annotation. */
  currentMask(record: SampleRecord): CurrentMask {
    const edit = this.labels.editOf(record.split, record.id);
    if (edit) return { origin: 'edit', file: edit.file, stamp: `edit\u0000${edit.stamp}` };
    return {
      origin: 'dataset',
      file: record.annotation,
      stamp: `${record.annotation}\u0000${record.annotationBytes}\u0000${record.annotationMtimeMs}`,
    };
  }

  /** A sample's current mask decoded to keys of the dataset's encoding (see decode.ts). */
  readMask(record: SampleRecord): Promise<MaskKeys> {
    return readCurrentMask(this.currentMask(record), this.descriptor.encoding, this.mapper);
  }

  get mapper(): ClassMapper {
    return (this.mapperCache ??= new ClassMapper(this.descriptor));
  }

  split(name: string): SplitIndex {
    const split = this.splits[name];
    if (!split) {
      throw new Error(`No split "${name}" (have ${Object.keys(this.splits).join(', ') || 'none'})`);
    }
    return split;
  }

  /**
   * "N unlabeled samples not used" for a split with images that have no mask yet (training,
   * evaluation and prediction use only samples with a mask), else null.
   */
  unlabeledNote(split: string): string | null {
    const n = this.splits[split]?.unlabeled?.length ?? 0;
    if (n === 0) return null;
    return `${n} unlabeled sample${n === 1 ? '' : 's'} not used (split ${split}: no annotation file or edit yet)`;
  }

  source(split: string): SampleSource {
    return new DatasetSampleSource(split, this.split(split).samples, this.mapper, (r) =>
      this.readMask(r),
    );
  }

  /** Finds a usable sample by id, optionally within one split (constant time; UI grids ask often). */
  findSample(id: string, split?: string): SampleRecord | undefined {
    const splits = this.splits; // refreshes byId when the labels changed
    this.byId ??= this.buildIdIndex(splits);
    if (split) return this.byId.get(split)?.get(id);
    for (const samples of this.byId.values()) {
      const hit = samples.get(id);
      if (hit) return hit;
    }
    return undefined;
  }

  private buildIdIndex(
    splits: Readonly<Record<string, SplitIndex>>,
  ): Map<string, Map<string, SampleRecord>> {
    const index = new Map<string, Map<string, SampleRecord>>();
    for (const [name, split] of Object.entries(splits)) {
      // First occurrence wins when a list names the same sample twice.
      const byId = new Map<string, SampleRecord>();
      for (const s of split.samples) if (!byId.has(s.id)) byId.set(s.id, s);
      index.set(name, byId);
    }
    return index;
  }
}
