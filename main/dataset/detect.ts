import path from 'node:path';
import type { DatasetFormat } from '../../shared/dataset/formats';
import { DirCache } from './dir-cache';
import { FORMATS } from './formats/index';

export interface FormatGuess {
  readonly format: DatasetFormat | null;
  readonly confidence: number;
  readonly reasons: readonly string[];
  /** Every format's score, best first, so the UI can offer the runner-up. */
  readonly candidates: readonly {
    format: DatasetFormat;
    confidence: number;
    reasons: readonly string[];
  }[];
}

/** Guesses the layout of `dir` from folder and file names only (reads at most list heads). */
export async function detectFormat(dir: string, cache = new DirCache()): Promise<FormatGuess> {
  const root = path.resolve(dir);
  const detections = await Promise.all(FORMATS.map((f) => f.detect(root, cache)));
  const ranked = detections
    .map((d, order) => ({ ...d, order }))
    .filter((d) => d.confidence > 0)
    .sort((a, b) => b.confidence - a.confidence || a.order - b.order)
    .map(({ format, confidence, reasons }) => ({ format, confidence, reasons }));
  const best = ranked[0];
  return best
    ? {
        format: best.format,
        confidence: best.confidence,
        reasons: best.reasons,
        candidates: ranked,
      }
    : { format: null, confidence: 0, reasons: ['no known dataset layout found'], candidates: [] };
}
