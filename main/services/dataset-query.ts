import { z } from 'zod';
import type { SampleQuery, SampleRow } from '../../shared/contracts/dataset';
import type { Problem } from '../../shared/dataset/descriptor';
import { SampleQuery as SampleQuerySchema } from '../../shared/contracts/dataset';
import type { DatasetIndex } from '../dataset/index';
import { mediaPath } from '../media/resolve';
import type { PerImageIoU } from './eval-reports';

/**
 * Browse rows for one dataset: usable samples plus the ones a problem made unusable (so the
 * user can find and fix them), filtered, sorted and paged. The row list is built once per
 * index; a query over 20k rows is a few array passes.
 */
export type ParsedQuery = z.output<typeof SampleQuerySchema>;

type BaseRow = Omit<SampleRow, 'iou'>;

const rowCache = new WeakMap<DatasetIndex, BaseRow[]>();

export function thumbPath(split: string, id: string): string {
  return mediaPath('sample', split, id, 'thumb');
}

const key = (split: string, id: string) => `${split}\u0000${id}`;

/** The reasons of `problems` per sample (split + id), each once, in order. */
function reasonsBySample(problems: readonly Problem[]): Map<string, string[]> {
  const into = new Map<string, string[]>();
  for (const p of problems) {
    if (!p.sample) continue;
    const k = key(p.split, p.sample);
    const list = into.get(k) ?? [];
    if (!list.includes(p.reason)) list.push(p.reason);
    into.set(k, list);
  }
  return into;
}

export function baseRows(index: DatasetIndex): BaseRow[] {
  const hit = rowCache.get(index);
  if (hit) return hit;
  const reasons = reasonsBySample(index.problems);
  const rows: BaseRow[] = [];
  const seen = new Set<string>();
  // The dataset's own splits: images without a mask (projects from images) are rows too, and
  // stay the same rows once labelled.
  for (const [split, info] of Object.entries(index.datasetSplits)) {
    for (const s of [...info.samples, ...(info.unlabeled ?? [])]) {
      seen.add(key(split, s.id));
      rows.push({
        id: s.id,
        split,
        usable: true,
        width: s.width,
        height: s.height,
        problemReasons: reasons.get(key(split, s.id)) ?? [],
        thumb: thumbPath(split, s.id),
        maskOverlay: mediaPath('sample', split, s.id, 'gtThumb'),
      });
    }
  }
  for (const p of index.problems) {
    const k = key(p.split, p.sample);
    if (!p.sample || !index.splits[p.split] || seen.has(k)) continue;
    seen.add(k);
    rows.push({
      id: p.sample,
      split: p.split,
      usable: false,
      width: null,
      height: null,
      problemReasons: reasons.get(k) ?? [],
      thumb: thumbPath(p.split, p.sample),
      maskOverlay: mediaPath('sample', p.split, p.sample, 'gtThumb'),
    });
  }
  rowCache.set(index, rows);
  return rows;
}

export interface QueryContext {
  /** Per-image IoU per split, from the latest evaluation (null = none). */
  readonly iou: (split: string) => PerImageIoU | null;
  /** Dataset class ids present per sample of a split, when computed. */
  readonly presence: (split: string) => ReadonlyMap<string, readonly number[]> | null;
  /** Label state of a sample (through the project's labels); absent when there is no store. */
  readonly label?: (split: string, id: string) => Pick<SampleRow, 'labelState' | 'edited'>;
  /**
   * Problems found after the open (the presence pass's `unknown_ids`): their reasons join the
   * rows' own, so Browse, its problem filter and the project's problemCount agree.
   */
  readonly found?: readonly Problem[];
}

const byName = (a: SampleRow, b: SampleRow) =>
  a.split === b.split ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.split < b.split ? -1 : 1;

/** Filters and sorts every row matching the query (no paging). */
export function runQuery(index: DatasetIndex, query: ParsedQuery, ctx: QueryContext): SampleRow[] {
  const needle = query.search?.trim().toLowerCase();
  const iouBand = query.iouMin !== undefined || query.iouMax !== undefined;
  const found = ctx.found?.length ? reasonsBySample(ctx.found) : null;
  const out: SampleRow[] = [];
  for (const base of baseRows(index)) {
    const more = found?.get(key(base.split, base.id));
    const row = more
      ? { ...base, problemReasons: [...new Set([...base.problemReasons, ...more])] }
      : base;
    if (query.split !== undefined && row.split !== query.split) continue;
    if (needle && !row.id.toLowerCase().includes(needle)) continue;
    if (query.hasProblem !== undefined && query.hasProblem !== row.problemReasons.length > 0) {
      continue;
    }
    if (query.containsClass !== undefined) {
      const present = ctx.presence(row.split)?.get(row.id);
      if (!present?.includes(query.containsClass)) continue;
    }
    const iou = ctx.iou(row.split)?.bySample.get(row.id) ?? null;
    if (iouBand) {
      if (iou === null) continue;
      if (query.iouMin !== undefined && iou < query.iouMin) continue;
      if (query.iouMax !== undefined && iou > query.iouMax) continue;
    }
    const label = row.usable ? ctx.label?.(row.split, row.id) : undefined;
    if (query.labelState !== undefined) {
      const wanted = query.labelState;
      if (!label || (wanted === 'edited' ? !label.edited : label.labelState !== wanted)) continue;
    }
    out.push({ ...row, iou, ...label });
  }
  if (query.sort === 'name') out.sort(byName);
  else {
    const dir = query.sort === 'iou-asc' ? 1 : -1;
    // Samples without an IoU go last in both directions.
    out.sort((a, b) =>
      a.iou === null
        ? b.iou === null
          ? byName(a, b)
          : 1
        : b.iou === null
          ? -1
          : (a.iou - b.iou) * dir || byName(a, b),
    );
  }
  return out;
}

export function parseQuery(query: SampleQuery | undefined, fallbackSplit?: string): ParsedQuery {
  return SampleQuerySchema.parse(query ?? { split: fallbackSplit });
}

const resultCache = new WeakMap<DatasetIndex, { key: string; rows: SampleRow[] }[]>();
const RESULT_CACHE_SIZE = 4;

/**
 * runQuery with the last few results kept per index: scrolling a 20k grid asks for page after
 * page of one query, which then costs a slice instead of a filter and a sort. The key holds
 * everything a result depends on besides the index (the IoU reports' identity included).
 */
export function runQueryCached(
  index: DatasetIndex,
  query: ParsedQuery,
  ctx: QueryContext,
  stamp: string,
): SampleRow[] {
  const key = JSON.stringify([{ ...query, offset: 0, limit: 0 }, stamp]);
  const entries = resultCache.get(index) ?? [];
  const hit = entries.find((e) => e.key === key);
  if (hit) return hit.rows;
  const rows = runQuery(index, query, ctx);
  resultCache.set(index, [{ key, rows }, ...entries].slice(0, RESULT_CACHE_SIZE));
  return rows;
}
