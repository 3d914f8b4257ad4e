/**
 * Cityscapes: `leftImg8bit/<split>/<city>/<stem>_leftImg8bit.png` photos with
 * `gtFine/<split>/<city>/<stem>_gtFine_labelIds.png` beside `_color.png`, `_instanceIds.png`
 * and `_polygons.json`. The `labelIds` masks are read (label ids 0..33); the 19 evaluation
 * classes train, every other label is ignored. A sample's id is its stem
 * (`aachen_000000_000019`, which already names the city).
 *
 * The labels are Cityscapes' own definitions as its scripts publish them (cityscapesScripts,
 * labels.py): 34 labels with ids 0..33, each with a name, a colour and a train id; the 19
 * labels with a train id are the evaluation classes, the rest have train id 255 (ignored).
 * Written from that public table.
 */
import path from 'node:path';
import type { DirCache } from '../dir-cache';
import {
  holdsFolders,
  locatedFormat,
  orphanAnnotation,
  rootOrChild,
  splitFoldersOf,
  type PlannedSample,
  type PlannedSplit,
} from '../plan';
import type { ClassDef } from '../../../shared/dataset/descriptor';

type Rgb = [number, number, number];

/** [id, name, trainId (255 = ignored), colour]. */
const TABLE: readonly (readonly [number, string, number, Rgb])[] = [
  [0, 'unlabeled', 255, [0, 0, 0]],
  [1, 'ego vehicle', 255, [0, 0, 0]],
  [2, 'rectification border', 255, [0, 0, 0]],
  [3, 'out of roi', 255, [0, 0, 0]],
  [4, 'static', 255, [0, 0, 0]],
  [5, 'dynamic', 255, [111, 74, 0]],
  [6, 'ground', 255, [81, 0, 81]],
  [7, 'road', 0, [128, 64, 128]],
  [8, 'sidewalk', 1, [244, 35, 232]],
  [9, 'parking', 255, [250, 170, 160]],
  [10, 'rail track', 255, [230, 150, 140]],
  [11, 'building', 2, [70, 70, 70]],
  [12, 'wall', 3, [102, 102, 156]],
  [13, 'fence', 4, [190, 153, 153]],
  [14, 'guard rail', 255, [180, 165, 180]],
  [15, 'bridge', 255, [150, 100, 100]],
  [16, 'tunnel', 255, [150, 120, 90]],
  [17, 'pole', 5, [153, 153, 153]],
  [18, 'polegroup', 255, [153, 153, 153]],
  [19, 'traffic light', 6, [250, 170, 30]],
  [20, 'traffic sign', 7, [220, 220, 0]],
  [21, 'vegetation', 8, [107, 142, 35]],
  [22, 'terrain', 9, [152, 251, 152]],
  [23, 'sky', 10, [70, 130, 180]],
  [24, 'person', 11, [220, 20, 60]],
  [25, 'rider', 12, [255, 0, 0]],
  [26, 'car', 13, [0, 0, 142]],
  [27, 'truck', 14, [0, 0, 70]],
  [28, 'bus', 15, [0, 60, 100]],
  [29, 'caravan', 255, [0, 0, 90]],
  [30, 'trailer', 255, [0, 0, 110]],
  [31, 'train', 16, [0, 80, 100]],
  [32, 'motorcycle', 17, [0, 0, 230]],
  [33, 'bicycle', 18, [119, 11, 32]],
];

export interface CityscapesLabel {
  readonly id: number;
  readonly name: string;
  /** 0..18 for the evaluation classes, 255 for ignored labels. */
  readonly trainId: number;
  readonly color: Rgb;
}

export const CITYSCAPES_LABELS: readonly CityscapesLabel[] = TABLE.map(
  ([id, name, trainId, color]) => ({ id, name, trainId, color }),
);

/**
 * The labels as classes: ignored ones are void, so the training indices of the others (in id
 * order) are exactly Cityscapes' train ids 0..18.
 */
export const CITYSCAPES_CLASSES: readonly ClassDef[] = CITYSCAPES_LABELS.map((l) => ({
  id: l.id,
  name: l.name,
  color: l.color,
  ...(l.trainId === 255 && { void: true }),
}));

const IMAGE_SUFFIX = '_leftImg8bit.png';
const MASK_SUFFIX = '_gtFine_labelIds.png';

const locate = (root: string, cache: DirCache): Promise<string | null> =>
  rootOrChild(root, cache, (dir) => holdsFolders(cache, dir, ['leftImg8bit', 'gtFine']));

async function planSplit(base: string, split: string, cache: DirCache): Promise<PlannedSplit> {
  const imageDir = path.join(base, 'leftImg8bit', split);
  const annotationDir = path.join(base, 'gtFine', split);
  const samples: PlannedSample[] = [];
  const cities = new Set([
    ...(await cache.subdirs(imageDir)),
    ...(await cache.subdirs(annotationDir)),
  ]);
  for (const city of [...cities].sort()) {
    const images = (await cache.files(path.join(imageDir, city))).filter((f) =>
      f.endsWith(IMAGE_SUFFIX),
    );
    const masks = new Set(
      (await cache.files(path.join(annotationDir, city))).filter((f) => f.endsWith(MASK_SUFFIX)),
    );
    const seen = new Set<string>();
    for (const file of images) {
      const id = file.slice(0, -IMAGE_SUFFIX.length);
      seen.add(id);
      samples.push({
        sample: id,
        image: path.join(imageDir, city, file),
        annotation: path.join(annotationDir, city, `${id}${MASK_SUFFIX}`),
      });
    }
    for (const file of masks) {
      const id = file.slice(0, -MASK_SUFFIX.length);
      if (seen.has(id)) continue;
      samples.push(
        orphanAnnotation(
          split,
          id,
          path.join(imageDir, city, `${id}${IMAGE_SUFFIX}`),
          path.join(annotationDir, city, file),
          base,
        ),
      );
    }
  }
  return { name: split, imageDir, annotationDir, samples, problems: [] };
}

export const cityscapesFormat = locatedFormat({
  format: 'cityscapes',
  layout:
    'leftImg8bit/<split>/<city>/*_leftImg8bit.png with gtFine/<split>/<city>/*_gtFine_labelIds.png',
  locate,
  async detect() {
    return {
      confidence: 0.98,
      reasons: ['leftImg8bit/ and gtFine/ folders (Cityscapes)'],
    };
  },
  async plan(found, root, cache) {
    const base = found ?? root;
    const names = await splitFoldersOf(cache, path.join(base, 'leftImg8bit'));
    const splits = await Promise.all(names.map((n) => planSplit(base, n, cache)));
    return {
      root: base,
      pairing: { kind: 'basename', annotationSuffix: '_gtFine_labelIds' },
      splits,
      labelsDirs: [base],
      builtinClasses: CITYSCAPES_CLASSES,
      defaultVoidId: 0,
      encoding: 'index',
    };
  },
});
