/**
 * MMSegmentation's custom dataset layout: `img_dir/{train,val,test}/NAME.ext` with
 * `ann_dir/{train,val,test}/NAME[suffix].png` index masks (the stored value — grey, or a
 * palette index — is the class; 255 = ignore). Class names come from a labels file beside
 * the folders, else from the values found in the masks.
 */
import path from 'node:path';
import type { DirCache } from '../dir-cache';
import {
  holdsFolders,
  locatedFormat,
  rootOrChild,
  splitFoldersOf,
  stemPairedSplit,
  type StemRule,
} from '../plan';

/** Annotation name endings MMSeg configs use (`seg_map_suffix`), tried in order. */
const RULE: StemRule = {
  suffixes: ['', '_mask', '_labelTrainIds', '_gtFine_labelTrainIds', '_labelIds', '_seg'],
  imageExt: '.jpg',
};

const locate = (root: string, cache: DirCache): Promise<string | null> =>
  rootOrChild(root, cache, (dir) => holdsFolders(cache, dir, ['img_dir', 'ann_dir']));

export const mmsegFormat = locatedFormat({
  format: 'mmseg',
  layout: 'img_dir/{train,val,test}/ with ann_dir/{train,val,test}/ index PNGs',
  locate,
  async detect(found, cache) {
    const splits = await splitFoldersOf(cache, path.join(found, 'img_dir'));
    return {
      confidence: splits.length > 0 ? 0.95 : 0.6,
      reasons: [
        `img_dir/ and ann_dir/ (MMSegmentation)${splits.length ? ` with ${splits.join(', ')}` : ''}`,
      ],
    };
  },
  async plan(found, root, cache) {
    const base = found ?? root;
    const splits = [];
    for (const name of await splitFoldersOf(cache, path.join(base, 'img_dir'))) {
      const imageDir = path.join(base, 'img_dir', name);
      const annotationDir = path.join(base, 'ann_dir', name);
      const folders = { split: name, imageDir, annotationDir, root: base };
      splits.push(await stemPairedSplit(cache, folders, RULE));
    }
    return {
      root: base,
      pairing: { kind: 'basename', annotationSuffix: '' },
      splits,
      labelsDirs: [base, root],
      defaultVoidId: 255,
      encoding: 'index',
    };
  },
});
