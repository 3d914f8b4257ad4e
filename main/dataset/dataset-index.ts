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
  /** The usable samples only, in list order. */
  readonly samples: readonly SampleRecord[];
}

/** An opened dataset: what it is, what is usable, what is wrong, and a loader per split. */
export class DatasetIndex {
  private mapperCache: ClassMapper | undefined;
  private byId: Map<string, Map<string, SampleRecord>> | undefined;

  constructor(
    readonly descriptor: DatasetDescriptor,
    readonly splits: Readonly<Record<string, SplitIndex>>,
    readonly problems: readonly Problem[],
    /** Per-sample annotation value counts from a deep open (keyed by scanKey). */
    readonly scans: ReadonlyMap<string, MaskScan> = new Map(),
    /** Where current masks come from (label-source.ts); the dataset's files by default. */
    readonly labels: LabelSource = datasetFileLabels,
  ) {}

  /** The same dataset read through another label source (a project's edits). */
  withLabels(labels: LabelSource): DatasetIndex {
    return new DatasetIndex(this.descriptor, this.splits, this.problems, this.scans, labels);
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

  source(split: string): SampleSource {
    return new DatasetSampleSource(split, this.split(split).samples, this.mapper, (r) =>
      this.readMask(r),
    );
  }

  /** Finds a usable sample by id, optionally within one split (constant time; UI grids ask often). */
  findSample(id: string, split?: string): SampleRecord | undefined {
    this.byId ??= this.buildIdIndex();
    if (split) return this.byId.get(split)?.get(id);
    for (const samples of this.byId.values()) {
      const hit = samples.get(id);
      if (hit) return hit;
    }
    return undefined;
  }

  private buildIdIndex(): Map<string, Map<string, SampleRecord>> {
    const index = new Map<string, Map<string, SampleRecord>>();
    for (const [name, split] of Object.entries(this.splits)) {
      // First occurrence wins when a list names the same sample twice.
      const byId = new Map<string, SampleRecord>();
      for (const s of split.samples) if (!byId.has(s.id)) byId.set(s.id, s);
      index.set(name, byId);
    }
    return index;
  }
}
