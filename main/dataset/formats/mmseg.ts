/**
 * MMSegmentation's custom dataset layout: `img_dir/{train,val,test}/NAME.ext` with
 * `ann_dir/{train,val,test}/NAME[suffix].png` index masks (the stored value — grey, or a
 * palette index — is the class; 255 = ignore). Class names come from a labels file beside
 * the folders, else from the values found in the masks.
 */
import path from 'node:path';
import { imagesByStem, type DirCache } from '../dir-cache';
import { orphanAnnotation, type DatasetPlan, type FormatModule, type PlannedSample } from '../plan';

/** Annotation name endings MMSeg configs use (`seg_map_suffix`), tried in order. */
const SUFFIXES = ['', '_mask', '_labelTrainIds', '_gtFine_labelTrainIds', '_labelIds', '_seg'];
const SPLIT_ORDER = ['train', 'val', 'test'];

async function locate(root: string, cache: DirCache): Promise<string | null> {
  for (const dir of [root, ...(await cache.subdirs(root)).map((d) => path.join(root, d))]) {
    if (
      (await cache.isDir(path.join(dir, 'img_dir'))) &&
      (await cache.isDir(path.join(dir, 'ann_dir')))
    )
      return dir;
  }
  return null;
}

async function splitNames(base: string, cache: DirCache): Promise<string[]> {
  const names = (await cache.subdirs(path.join(base, 'img_dir'))).filter((d) => !d.startsWith('.'));
  const rank = (n: string): number => {
    const i = SPLIT_ORDER.indexOf(n);
    return i < 0 ? SPLIT_ORDER.length : i;
  };
  return names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
}

export const mmsegFormat: FormatModule = {
  format: 'mmseg',
  layout: 'img_dir/{train,val,test}/ with ann_dir/{train,val,test}/ index PNGs',
  async detect(root, cache) {
    const found = await locate(root, cache);
    if (!found) return { format: 'mmseg', confidence: 0, reasons: [] };
    const splits = await splitNames(found, cache);
    return {
      format: 'mmseg',
      confidence: splits.length > 0 ? 0.95 : 0.6,
      reasons: [
        `img_dir/ and ann_dir/ (MMSegmentation)${splits.length ? ` with ${splits.join(', ')}` : ''}`,
      ],
    };
  },
  async plan(root, cache): Promise<DatasetPlan> {
    const base = (await locate(root, cache)) ?? root;
    const splits = [];
    for (const name of await splitNames(base, cache)) {
      const imageDir = path.join(base, 'img_dir', name);
      const annotationDir = path.join(base, 'ann_dir', name);
      const images = await imagesByStem(cache, imageDir);
      const annotations = await imagesByStem(cache, annotationDir);
      const used = new Set<string>();
      const samples: PlannedSample[] = [...images].map(([id, image]) => {
        const key = SUFFIXES.map((s) => `${id}${s}`).find((k) => annotations.has(k));
        if (key) used.add(key);
        return {
          sample: id,
          image,
          annotation: key ? annotations.get(key)! : path.join(annotationDir, `${id}.png`),
        };
      });
      for (const [key, annotation] of annotations) {
        if (used.has(key)) continue;
        const suffix = SUFFIXES.find((s) => s && key.endsWith(s)) ?? '';
        const id = key.slice(0, key.length - suffix.length);
        samples.push(
          orphanAnnotation(name, id, path.join(imageDir, `${id}.jpg`), annotation, base),
        );
      }
      splits.push({ name, imageDir, annotationDir, samples, problems: [] });
    }
    return {
      format: 'mmseg',
      root: base,
      pairing: { kind: 'basename', annotationSuffix: '' },
      splits,
      labelsDirs: [base, root],
      defaultVoidId: 255,
      encoding: 'index',
    };
  },
};
