/**
 * A sample source that survives undecodable samples: when a sample's image or mask fails to
 * decode (damage the open-time checks did not see, or a file changed since), it is skipped —
 * the next sample that decodes takes its place in the batch — and `onSkip` is told which file
 * and why, with the number skipped so far. A run never crashes on one bad file; only a split
 * where no sample decodes at all is an error. The replacement is deterministic (the next index
 * that has not failed), so a resumed run makes the same choice.
 */
import type { DecodedSample, LoadOptions, SampleSource, SourceClass } from './source';

export interface SkipReport {
  readonly split: string;
  readonly sampleId: string;
  /** What failed, naming the file (the decoder's error). */
  readonly message: string;
  /** Distinct samples skipped so far in this source. */
  readonly skipped: number;
}

export class SkippingSampleSource implements SampleSource {
  readonly split: string;
  readonly count: number;
  readonly classes: readonly SourceClass[];
  private readonly failed = new Map<number, string>();

  constructor(
    private readonly inner: SampleSource,
    /** Called once per sample that fails, before its replacement loads. */
    private readonly onSkip: (report: SkipReport) => void,
  ) {
    this.split = inner.split;
    this.count = inner.count;
    this.classes = inner.classes;
  }

  /** Distinct samples that failed to decode so far. */
  get skipped(): number {
    return this.failed.size;
  }

  sampleId(index: number): string {
    return this.inner.sampleId(index);
  }

  imagePath(index: number): string {
    return this.inner.imagePath(index);
  }

  async load(index: number, options?: LoadOptions): Promise<DecodedSample> {
    for (let k = 0; k < this.count; k++) {
      const at = (index + k) % this.count;
      if (this.failed.has(at)) continue;
      try {
        return await this.inner.load(at, options);
      } catch (err) {
        if (this.failed.has(at)) continue; // a concurrent load reported it already
        const message = err instanceof Error ? err.message : String(err);
        this.failed.set(at, message);
        this.onSkip({
          split: this.split,
          sampleId: this.inner.sampleId(at),
          message,
          skipped: this.failed.size,
        });
      }
    }
    throw new Error(
      `No sample of split "${this.split}" can be decoded (${this.failed.size} of ${this.count} failed; first: ${[...this.failed.values()][0] ?? 'none'})`,
    );
  }
}
