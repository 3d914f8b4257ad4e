/**
 * Which failure cases the Evaluate view shows: the worst images first, spread out so that 24
 * near-identical frames of one drive do not fill the list. A sequence is the name without its
 * trailing frame number (CamVid "0016E5_08157" and "Seq05VD_f02370" -> "0016E5", "Seq05VD";
 * "frame0042" -> "frame"); a name without one is its own sequence. Spreading keeps picks of
 * one sequence at least `gap` frames apart in that sequence's frame order (Infinity: at most
 * one per sequence; 0: every image).
 */
import { failureOrder } from './review-queue';

export const DEFAULT_FAILURE_COUNT = 24;

/**
 * The spreads the view offers, by gap (frames of one sequence between two picks). The first is
 * the default: the count asked for is the count shown; spreading is the user's choice.
 */
export const FAILURE_SPREADS = [
  { gap: 0, label: 'every image' },
  { gap: 5, label: 'one per 5 neighbouring frames' },
  { gap: Number.POSITIVE_INFINITY, label: 'one per sequence' },
] as const;

export function sequenceOf(sample: string): string {
  return frameOf(sample).sequence;
}

function frameOf(sample: string): { sequence: string; frame: number | null } {
  const base = sample.replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const match = /^(.+?)[\s_.-]+f?(\d+)$/i.exec(base) ?? /^(.*[A-Za-z])(\d+)$/.exec(base);
  return match ? { sequence: match[1]!, frame: Number(match[2]) } : { sequence: base, frame: null };
}

/** How many sequences the samples come from. */
export function sequenceCount(samples: readonly string[]): number {
  return new Set(samples.map(sequenceOf)).size;
}

/** The `count` worst scored images, picks of one sequence at least `gap` frames apart. */
export function pickFailures(
  perImage: readonly { sample: string; mIoU: number | null }[],
  options: { count: number; gap: number },
): string[] {
  // Each sample's position among its sequence's frames (by frame number, then name).
  const bySequence = new Map<string, { sample: string; frame: number | null }[]>();
  for (const { sample } of perImage) {
    const { sequence, frame } = frameOf(sample);
    const list = bySequence.get(sequence) ?? [];
    list.push({ sample, frame });
    bySequence.set(sequence, list);
  }
  const position = new Map<string, number>();
  for (const list of bySequence.values()) {
    list.sort((a, b) => (a.frame ?? 0) - (b.frame ?? 0) || a.sample.localeCompare(b.sample));
    list.forEach((f, i) => position.set(f.sample, i));
  }
  const picked: string[] = [];
  const taken = new Map<string, number[]>();
  for (const sample of failureOrder(perImage)) {
    if (picked.length >= options.count) break;
    const sequence = sequenceOf(sample);
    const at = position.get(sample) ?? 0;
    const near = (taken.get(sequence) ?? []).some((p) => Math.abs(p - at) < options.gap);
    if (near) continue;
    taken.set(sequence, [...(taken.get(sequence) ?? []), at]);
    picked.push(sample);
  }
  return picked;
}
