import type { DatasetDescriptor, Problem } from '../../shared/dataset/descriptor';
import { ClassMapper } from './classes';
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

  constructor(
    readonly descriptor: DatasetDescriptor,
    readonly splits: Readonly<Record<string, SplitIndex>>,
    readonly problems: readonly Problem[],
    /** Per-sample annotation value counts from a deep open (keyed by scanKey). */
    readonly scans: ReadonlyMap<string, MaskScan> = new Map(),
  ) {}

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
    return new DatasetSampleSource(
      split,
      this.split(split).samples,
      this.descriptor.encoding,
      this.mapper,
    );
  }

  /** Finds a usable sample by id, optionally within one split. */
  findSample(id: string, split?: string): SampleRecord | undefined {
    const names = split ? [split] : Object.keys(this.splits);
    for (const name of names) {
      const hit = this.splits[name]?.samples.find((s) => s.id === id);
      if (hit) return hit;
    }
    return undefined;
  }
}
