import type { ImageKind } from './headers';

/** One usable sample after validation. Paths are absolute. */
export interface SampleRecord {
  /** Base name, e.g. `0001TP_006690`. */
  readonly id: string;
  readonly split: string;
  readonly image: string;
  readonly annotation: string;
  readonly width: number;
  readonly height: number;
  readonly imageKind: ImageKind;
  readonly annotationKind: ImageKind;
  /** Annotation file size and mtime, for cache keys (statistics, thumbnails). */
  readonly annotationBytes: number;
  readonly imageBytes: number;
  readonly annotationMtimeMs: number;
  readonly imageMtimeMs: number;
}

/** Phases reported through `onProgress(done, total, phase)`. */
export type IndexPhase = 'headers' | 'annotations' | 'statistics';
export type ProgressFn = (done: number, total: number, phase: IndexPhase) => void;

/** Key of a sample within a dataset (split + id) for in-memory maps. */
export const scanKey = (r: Pick<SampleRecord, 'split' | 'id'>): string => `${r.split}\u0000${r.id}`;
