/**
 * Folder pairs: `images/` next to `masks/` (or `labels/`, `annotations/`, `targets/`), files
 * matched by relative path and base name, optionally with a suffix such as `_mask`.
 *
 * The split rule: when every entry of `images/` is a folder, each folder is a split
 * (`images/train` pairs with `masks/train`); otherwise there are no splits (split `all`) and
 * sub-folders are walked, a sample's id being its path below `images/` (`city/0001`). Nothing
 * is dropped silently: an empty split folder, a mask folder without an image folder, files
 * whose names are not images, and masks without an image are all reported.
 */
import path from 'node:path';
import type { Problem } from '../../../shared/dataset/descriptor';
import { isImageName, stem, type DirCache } from '../dir-cache';
import { leftOut, locatedFormat, pairByStem, type PlannedSplit, type StemRule } from '../plan';

const MASK_DIRS = ['masks', 'labels', 'annotations', 'targets', 'gt', 'SegmentationClass'];
/** `images/ID.ext` pairs with `masks/ID[suffix].ext`, the first suffix that names a file. */
const RULE: StemRule = {
  suffixes: ['', '_mask', '_label', '_labels', '_gt', '_GT', '_seg', '_annotation'],
  imageExt: '.png',
};
/** How deep the walk goes below `images/` (a loop of links cannot recurse: links are not walked). */
const MAX_DEPTH = 8;

async function locate(
  root: string,
  cache: DirCache,
): Promise<{ images: string; masks: string } | null> {
  const subdirs = await cache.subdirs(root);
  const images = subdirs.find((d) => d.toLowerCase() === 'images' || d.toLowerCase() === 'imgs');
  const masks = MASK_DIRS.find((m) => subdirs.includes(m));
  return images && masks
    ? { images: path.join(root, images), masks: path.join(root, masks) }
    : null;
}

const visible = (name: string): boolean => !name.startsWith('.');

interface Walked {
  /** Sample id (posix path below the folder, no extension) -> file. */
  readonly byId: Map<string, string>;
  /** Entries that are not image names. */
  readonly others: string[];
}

/**
 * Image files below `dir` by id. Entries named like images that are not regular files (a
 * folder called `x.png`, a pipe) are kept, so the header check names them.
 */
async function walk(cache: DirCache, dir: string, prefix = '', depth = 0): Promise<Walked> {
  const byId = new Map<string, string>();
  const others: string[] = [];
  const listing = await cache.list(dir);
  for (const [name, isDir] of [...listing].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!visible(name)) continue;
    const full = path.join(dir, name);
    if (isDir && !isImageName(name)) {
      if (depth >= MAX_DEPTH) {
        others.push(full);
        continue;
      }
      const inner = await walk(cache, full, `${prefix}${name}/`, depth + 1);
      for (const [id, file] of inner.byId) if (!byId.has(id)) byId.set(id, file);
      others.push(...inner.others);
    } else if (isImageName(name)) {
      const id = `${prefix}${stem(name)}`;
      if (!byId.has(id)) byId.set(id, full);
    } else {
      others.push(full);
    }
  }
  return { byId, others };
}

async function pairFolder(
  imageDir: string,
  maskDir: string,
  split: string,
  root: string,
  cache: DirCache,
): Promise<PlannedSplit> {
  const images = await walk(cache, imageDir);
  const masks = await walk(cache, maskDir);
  const rel = (p: string): string => path.relative(root, p) || p;
  const folders = { split, imageDir, annotationDir: maskDir, root };
  const paired = pairByStem(images.byId, masks.byId, { ...folders, ...RULE });
  const { samples } = paired;
  const problems: Problem[] = [
    ...paired.problems,
    ...[...images.others, ...masks.others].map((file) =>
      leftOut(
        split,
        file,
        `${rel(file)} is not an image file name, so it is not part of the dataset`,
      ),
    ),
  ];
  return { name: split, imageDir, annotationDir: maskDir, samples, problems };
}

/** The split folders of `images/` when every visible entry is a folder, else null. */
async function splitFolders(cache: DirCache, images: string): Promise<string[] | null> {
  const entries = [...(await cache.list(images))].filter(([name]) => visible(name));
  if (entries.length === 0) return null;
  const allFolders = entries.every(([name, isDir]) => isDir && !isImageName(name));
  return allFolders ? entries.map(([name]) => name).sort() : null;
}

export const folderPairsFormat = locatedFormat({
  format: 'folder-pairs',
  layout: 'images/ next to masks/, labels/ or annotations/, files paired by name',
  locate,
  async detect(found) {
    return {
      confidence: 0.5,
      reasons: [
        `${path.basename(found.images)}/ and ${path.basename(found.masks)}/ folders paired by name`,
      ],
    };
  },
  async plan(located, root, cache) {
    const found = located ?? {
      images: path.join(root, 'images'),
      masks: path.join(root, 'masks'),
    };
    const rel = (p: string): string => path.relative(root, p) || p;
    const folders = await splitFolders(cache, found.images);
    let splits: PlannedSplit[];
    if (folders) {
      const paired = await Promise.all(
        folders.map((d) =>
          pairFolder(path.join(found.images, d), path.join(found.masks, d), d, root, cache),
        ),
      );
      // A mask folder with no image folder of its name: its masks would vanish silently.
      const maskSplits = (await cache.subdirs(found.masks)).filter(visible);
      const extra = maskSplits
        .filter((d) => !folders.includes(d))
        .map((d) =>
          leftOut(
            '',
            path.join(found.masks, d),
            `${rel(path.join(found.masks, d))} has no matching folder in ${rel(found.images)}, so its masks are not used`,
          ),
        );
      splits = paired.map((split, i) => ({
        ...split,
        problems: [
          ...split.problems,
          ...(split.samples.length === 0
            ? [
                leftOut(
                  split.name,
                  split.imageDir!,
                  `split folder ${rel(split.imageDir!)} has no images`,
                ),
              ]
            : []),
          ...(i === 0 ? extra : []),
        ],
      }));
    } else {
      splits = [await pairFolder(found.images, found.masks, 'all', root, cache)];
    }
    return {
      root,
      pairing: { kind: 'basename', annotationSuffix: '' },
      splits,
      labelsDirs: [root],
      defaultVoidId: null,
    };
  },
});
