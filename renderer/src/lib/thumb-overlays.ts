/**
 * Which Browse thumbnails still need a prediction overlay from the host. Overlays are known
 * per (run, checkpoint slot): `version` names the state of the run they were asked in (its
 * step), so when the run moves on every overlay is asked again, while the one already shown
 * stays until its replacement arrives (no flicker while a run trains). Pure bookkeeping: the
 * composable (use-thumb-overlays.ts) does the calls.
 */
export type ThumbOverlayKind = 'none' | 'mask' | 'prediction';

export interface OverlaySample {
  readonly split: string;
  readonly id: string;
}

const keyOf = (s: OverlaySample): string => `${s.split}\u0000${s.id}`;

export class OverlayBook {
  private source = '';
  private version = '';
  /** Media path and the version it was made for, per sample. */
  private readonly known = new Map<string, { media: string | null; version: string }>();
  private readonly asked = new Set<string>();

  /**
   * Switches to `source` (run + slot) at `version`. Another source forgets everything; another
   * version keeps what is shown but asks for it again. Returns true when anything changed.
   */
  use(source: string, version: string): boolean {
    if (source === this.source && version === this.version) return false;
    if (source !== this.source) this.known.clear();
    this.asked.clear();
    this.source = source;
    this.version = version;
    return true;
  }

  /** The samples of `shown` not known at this version and not asked for yet, at most `max`. */
  wanted(shown: readonly OverlaySample[], max: number): OverlaySample[] {
    const out: OverlaySample[] = [];
    for (const s of shown) {
      const k = keyOf(s);
      if (this.asked.has(k) || this.known.get(k)?.version === this.version) continue;
      out.push(s);
      if (out.length >= max) break;
    }
    return out;
  }

  /** Marks `samples` as asked for at the current version (answered by `answer` or `forget`). */
  ask(samples: readonly OverlaySample[]): void {
    for (const s of samples) this.asked.add(keyOf(s));
  }

  /**
   * What the host answered for `samples`, asked for `source`/`version` (an answer for another
   * source is dropped): samples missing from `overlays` have none (unreadable image).
   */
  answer(
    source: string,
    version: string,
    samples: readonly OverlaySample[],
    overlays: readonly (OverlaySample & { media: string })[],
  ): void {
    if (source !== this.source) return;
    const media = new Map(overlays.map((o) => [keyOf(o), o.media]));
    for (const s of samples) {
      const k = keyOf(s);
      this.asked.delete(k);
      this.known.set(k, { media: media.get(k) ?? null, version });
    }
  }

  /** A failed call: those samples may be asked for again later. */
  forget(samples: readonly OverlaySample[]): void {
    for (const s of samples) this.asked.delete(keyOf(s));
  }

  /** The overlay to draw over `sample` (possibly one of an older version), or null. */
  mediaOf(sample: OverlaySample): string | null {
    return this.known.get(keyOf(sample))?.media ?? null;
  }
}
