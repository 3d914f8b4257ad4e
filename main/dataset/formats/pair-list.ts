/**
 * Pair lists (CamVid/SegNet): each line `IMAGE ANNOTATION`. The paths are often absolute paths
 * from the machine that wrote the list (`/SegNet/CamVid/train/x.png`), so each one is
 * re-rooted against the list file's folder by the longest suffix that exists here. A line
 * with only `IMAGE` lists an image that has no annotation yet (an unlabeled sample); a line
 * that names an annotation which does not exist is a `missing_annotation` problem.
 */
import path from 'node:path';
import type { Problem } from '../../../shared/dataset/descriptor';
import { isImageName, readListLines, stem, type DirCache } from '../dir-cache';
import {
  notDetected,
  type DatasetPlan,
  type FormatModule,
  type PlannedSample,
  type PlannedSplit,
} from '../plan';

const isPairLine = (text: string): boolean => {
  const tokens = text.split(/\s+/);
  return tokens.length === 2 && tokens.every(isImageName);
};

/**
 * List files in `dir` whose first lines are mostly `IMAGE ANNOTATION`: one malformed line at
 * the top must be reported as such, not hide the whole split.
 */
async function pairListFiles(dir: string, cache: DirCache): Promise<string[]> {
  const lists: string[] = [];
  for (const name of await cache.files(dir)) {
    if (!name.toLowerCase().endsWith('.txt')) continue;
    const file = path.join(dir, name);
    const head = (await readListLines(file).catch(() => [])).slice(0, 5);
    const pairs = head.filter((l) => isPairLine(l.text)).length;
    if (pairs > 0 && pairs * 2 >= head.length) lists.push(file);
  }
  return lists;
}

/**
 * Finds a listed path on this machine: as written (relative to the list's folder, or absolute
 * if it exists), else the longest trailing part of it that exists under the list's folder.
 */
export async function rerootPath(
  written: string,
  listDir: string,
  cache: DirCache,
): Promise<string | null> {
  const direct = path.resolve(listDir, written);
  if (await cache.exists(direct)) return direct;
  const parts = written.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  for (let k = 0; k < parts.length; k++) {
    const candidate = path.join(listDir, ...parts.slice(k));
    if (await cache.exists(candidate)) return candidate;
  }
  return null;
}

/**
 * For a path that does not resolve: the longest suffix whose folder exists here (below the
 * list's folder), so the report can say "train/x.png does not exist" instead of "unresolved".
 */
async function expectedPath(
  written: string,
  listDir: string,
  cache: DirCache,
): Promise<string | null> {
  const parts = written.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  for (let k = 0; k < parts.length - 1; k++) {
    const candidate = path.join(listDir, ...parts.slice(k));
    if (await cache.isDir(path.dirname(candidate))) return candidate;
  }
  return null;
}

async function planList(listFile: string, cache: DirCache): Promise<PlannedSplit> {
  const split = stem(listFile);
  const listDir = path.dirname(listFile);
  const samples: PlannedSample[] = [];
  const problems: Problem[] = [];
  const listName = path.basename(listFile);
  for (const { line, text } of await readListLines(listFile)) {
    const tokens = text.split(/\s+/);
    const [imageWritten, annotationWritten = ''] = tokens;
    const imageOnly = tokens.length === 1 && isImageName(text);
    if (!imageWritten || (!imageOnly && (tokens.length !== 2 || !annotationWritten))) {
      problems.push({
        split,
        sample: stem(tokens[0] ?? ''),
        path: listFile,
        reason: 'bad_list_line',
        detail: `${listName} line ${line}: expected "IMAGE ANNOTATION" (or "IMAGE" for an unlabeled image), got "${text}"`,
      });
      continue;
    }
    const sample = stem(imageWritten);
    const image =
      (await rerootPath(imageWritten, listDir, cache)) ??
      (await expectedPath(imageWritten, listDir, cache));
    const annotation = imageOnly
      ? ''
      : ((await rerootPath(annotationWritten, listDir, cache)) ??
        (await expectedPath(annotationWritten, listDir, cache)));
    const unresolved = [
      image ? null : imageWritten,
      annotation !== null ? null : annotationWritten,
    ].filter((p): p is string => p !== null);
    samples.push({
      sample,
      image: image ?? path.join(listDir, path.basename(imageWritten)),
      annotation: annotation ?? path.join(listDir, path.basename(annotationWritten)),
      annotationNamed: !imageOnly,
      ...(unresolved.length > 0 && {
        problem: {
          split,
          sample,
          path: listFile,
          reason: 'unresolved_path' as const,
          detail: `${listName} line ${line}: ${unresolved.join(' and ')} not found under ${listDir}`,
        },
      }),
    });
  }
  return { name: split, listFile, samples, problems };
}

export const pairListFormat: FormatModule = {
  format: 'pair-list',
  layout: '*.txt list files whose lines are "IMAGE ANNOTATION"',
  async detect(root, cache) {
    const lists = await pairListFiles(root, cache);
    if (lists.length === 0) return notDetected('pair-list');
    return {
      format: 'pair-list',
      confidence: 0.9,
      reasons: lists.map((l) => `${path.basename(l)} lists IMAGE ANNOTATION pairs`),
    };
  },
  async plan(root, cache): Promise<DatasetPlan> {
    const lists = await pairListFiles(root, cache);
    return {
      format: 'pair-list',
      root,
      pairing: { kind: 'pair-list', annotationSuffix: '' },
      splits: await Promise.all(lists.map((l) => planList(l, cache))),
      labelsDirs: [root],
      defaultVoidId: null,
    };
  },
};
