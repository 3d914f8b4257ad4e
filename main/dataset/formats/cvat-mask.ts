/**
 * CVAT's "Segmentation mask 1.1" export: `labelmap.txt` (`name:r,g,b:parts:actions`, the line
 * order being the id), `ImageSets/Segmentation/*.txt` split lists, `JPEGImages/` (any image
 * extension), `SegmentationClass/ID.png` masks painting each label in its colour, and
 * `SegmentationObject/` instance masks (not used for semantic segmentation). It looks like
 * Pascal VOC but its masks are colours, not VOC palette indices: the classes come from
 * labelmap.txt (found as a labels file), and each mask is read by its own header — RGB
 * colours, or a palette whose entries' colours are looked up — never by a guess.
 */
import path from 'node:path';
import { imagesByStem, type DirCache } from '../dir-cache';
import { holdsFolders, locatedFormat, rootOrChild } from '../plan';
import { vocSplits } from './voc';

const LABELMAP = 'labelmap.txt';

const locate = (root: string, cache: DirCache): Promise<string | null> =>
  rootOrChild(
    root,
    cache,
    async (dir) =>
      (await cache.exists(path.join(dir, LABELMAP))) &&
      holdsFolders(cache, dir, ['SegmentationClass']),
  );

export const cvatMaskFormat = locatedFormat({
  format: 'cvat-mask',
  layout: 'labelmap.txt, JPEGImages/, SegmentationClass/ and ImageSets/Segmentation/*.txt',
  locate,
  async detect(found, cache) {
    const reasons = [`${LABELMAP} beside SegmentationClass/ (CVAT Segmentation mask 1.1)`];
    if (await cache.isDir(path.join(found, 'SegmentationObject')))
      reasons.push('SegmentationObject/ instance masks');
    return { confidence: 0.99, reasons };
  },
  async plan(found, root, cache) {
    const base = found ?? root;
    const imageDir = path.join(base, 'JPEGImages');
    const images = await imagesByStem(cache, imageDir);
    const splits = await vocSplits(
      base,
      cache,
      (id) => images.get(id) ?? path.join(imageDir, `${id}.jpg`),
    );
    return {
      root: base,
      pairing: { kind: 'name-list', annotationSuffix: '' },
      splits,
      labelsDirs: [base],
      defaultVoidId: null,
      encoding: 'rgb',
      rgbMapping: 'colors',
    };
  },
});
