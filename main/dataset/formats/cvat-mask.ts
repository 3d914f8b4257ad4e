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
import {
  holdsFolders,
  notDetected,
  rootOrChild,
  type DatasetPlan,
  type FormatModule,
} from '../plan';
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

export const cvatMaskFormat: FormatModule = {
  format: 'cvat-mask',
  layout: 'labelmap.txt, JPEGImages/, SegmentationClass/ and ImageSets/Segmentation/*.txt',
  async detect(root, cache) {
    const found = await locate(root, cache);
    if (!found) return notDetected('cvat-mask');
    const reasons = [`${LABELMAP} beside SegmentationClass/ (CVAT Segmentation mask 1.1)`];
    if (await cache.isDir(path.join(found, 'SegmentationObject')))
      reasons.push('SegmentationObject/ instance masks');
    return { format: 'cvat-mask', confidence: 0.99, reasons };
  },
  async plan(root, cache): Promise<DatasetPlan> {
    const base = (await locate(root, cache)) ?? root;
    const imageDir = path.join(base, 'JPEGImages');
    const images = await imagesByStem(cache, imageDir);
    const splits = await vocSplits(
      base,
      cache,
      (id) => images.get(id) ?? path.join(imageDir, `${id}.jpg`),
    );
    return {
      format: 'cvat-mask',
      root: base,
      pairing: { kind: 'name-list', annotationSuffix: '' },
      splits,
      labelsDirs: [base],
      defaultVoidId: null,
      encoding: 'rgb',
      rgbMapping: 'colors',
    };
  },
};
