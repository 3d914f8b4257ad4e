import path from 'node:path';
import { imagesByStem, type DirCache } from '../dir-cache';
import type { DatasetPlan, FormatModule, PlannedSample, PlannedSplit } from '../plan';

/**
 * Folder pairs: `images/` next to `masks/` (or `labels/`, `annotations/`, `targets/`), files
 * matched by base name, optionally with a suffix such as `_mask`. Split subfolders
 * (`images/train`, `masks/train`) become splits; otherwise everything is split `all`.
 */

const MASK_DIRS = ['masks', 'labels', 'annotations', 'targets', 'gt', 'SegmentationClass'];
const MASK_SUFFIXES = ['', '_mask', '_label', '_labels', '_gt', '_GT', '_seg', '_annotation'];

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

async function pairFolder(
  imageDir: string,
  maskDir: string,
  split: string,
  cache: DirCache,
): Promise<PlannedSplit> {
  const images = await imagesByStem(cache, imageDir);
  const masks = await imagesByStem(cache, maskDir);
  const used = new Set<string>();
  const samples: PlannedSample[] = [];
  for (const [id, image] of images) {
    const maskStem = MASK_SUFFIXES.map((s) => `${id}${s}`).find((s) => masks.has(s));
    if (maskStem) used.add(maskStem);
    samples.push({
      sample: id,
      image,
      annotation: maskStem ? masks.get(maskStem)! : path.join(maskDir, `${id}.png`),
    });
  }
  for (const [maskStem, annotation] of masks) {
    if (used.has(maskStem)) continue;
    const suffix = MASK_SUFFIXES.find((s) => s && maskStem.endsWith(s)) ?? '';
    const id = maskStem.slice(0, maskStem.length - suffix.length);
    if (images.has(id)) continue;
    samples.push({ sample: id, image: path.join(imageDir, `${id}.png`), annotation });
  }
  return { name: split, imageDir, annotationDir: maskDir, samples, problems: [] };
}

export const folderPairsFormat: FormatModule = {
  format: 'folder-pairs',
  layout: 'images/ next to masks/, labels/ or annotations/, files paired by name',
  async detect(root, cache) {
    const found = await locate(root, cache);
    if (!found) return { format: 'folder-pairs', confidence: 0, reasons: [] };
    return {
      format: 'folder-pairs',
      confidence: 0.5,
      reasons: [
        `${path.basename(found.images)}/ and ${path.basename(found.masks)}/ folders paired by name`,
      ],
    };
  },
  async plan(root, cache): Promise<DatasetPlan> {
    const found = (await locate(root, cache)) ?? {
      images: path.join(root, 'images'),
      masks: path.join(root, 'masks'),
    };
    const splitDirs = (await cache.subdirs(found.images)).filter((d) => !d.startsWith('.'));
    const splits = splitDirs.length
      ? await Promise.all(
          splitDirs.map((d) =>
            pairFolder(path.join(found.images, d), path.join(found.masks, d), d, cache),
          ),
        )
      : [await pairFolder(found.images, found.masks, 'all', cache)];
    return {
      format: 'folder-pairs',
      root,
      pairing: { kind: 'basename', annotationSuffix: '' },
      splits,
      labelsDirs: [root],
      defaultVoidId: null,
    };
  },
};
