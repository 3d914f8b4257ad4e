/**
 * Pascal VOC: JPEGImages/ID.jpg, SegmentationClass/ID.png (palette PNGs; the palette index
 * is the class, 255 = border/ignore), splits from ImageSets/Segmentation/*.txt.
 */
import path from 'node:path';
import type { ClassDef } from '../../../shared/dataset/descriptor';
import { vocColor } from '../../../shared/dataset/palette';
import { readListLines, stem, type DirCache } from '../dir-cache';
import { holdsFolders, locatedFormat, type PlannedSplit } from '../plan';

const VOC_NAMES = [
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
];

export const VOC_CLASSES: readonly ClassDef[] = [
  ...VOC_NAMES.map((name, id) => ({ id, name, color: vocColor(id) })),
  { id: 255, name: 'void', color: [224, 224, 192], void: true },
];

async function locate(root: string, cache: DirCache): Promise<string | null> {
  const candidates = [root, path.join(root, 'VOC2012'), path.join(root, 'VOCdevkit', 'VOC2012')];
  for (const dir of await cache.subdirs(root)) {
    if (/^VOC\d{4}$/.test(dir)) candidates.push(path.join(root, dir));
  }
  for (const c of candidates) {
    if (await holdsFolders(cache, c, ['JPEGImages', 'SegmentationClass'])) return c;
  }
  return null;
}

/**
 * The VOC folder scheme other tools export too (CVAT): splits from
 * `ImageSets/Segmentation/*.txt` (one id per line), annotations `SegmentationClass/ID.png`,
 * images wherever `imageOf(id)` says; without lists, every annotation is split `all`.
 */
export async function vocSplits(
  base: string,
  cache: DirCache,
  imageOf: (id: string) => string,
): Promise<PlannedSplit[]> {
  const imageDir = path.join(base, 'JPEGImages');
  const annotationDir = path.join(base, 'SegmentationClass');
  const listDir = path.join(base, 'ImageSets', 'Segmentation');
  const splits: PlannedSplit[] = [];
  for (const name of await cache.files(listDir)) {
    if (!name.endsWith('.txt')) continue;
    const listFile = path.join(listDir, name);
    const { lines, error } = await readListLines(listFile).then(
      (read) => ({ lines: read, error: null }),
      (err: Error) => ({ lines: [], error: err.message }),
    );
    splits.push({
      name: stem(name),
      listFile,
      imageDir,
      annotationDir,
      samples: lines.map(({ text }) => {
        const id = text.split(/\s+/)[0] ?? text;
        return {
          sample: id,
          image: imageOf(id),
          annotation: path.join(annotationDir, `${id}.png`),
        };
      }),
      // One unreadable list loses its split, not the dataset.
      problems: error
        ? [
            {
              split: stem(name),
              sample: '',
              path: listFile,
              reason: 'unreadable',
              detail: `list file ${name} cannot be read (${error})`,
            },
          ]
        : [],
    });
  }
  if (splits.length === 0) {
    // No split lists: every annotated image is one split.
    const ids = (await cache.files(annotationDir)).filter((f) => f.endsWith('.png')).map(stem);
    splits.push({
      name: 'all',
      imageDir,
      annotationDir,
      samples: ids.map((id) => ({
        sample: id,
        image: imageOf(id),
        annotation: path.join(annotationDir, `${id}.png`),
      })),
      problems: [],
    });
  }
  return splits;
}

export const vocFormat = locatedFormat({
  format: 'voc',
  layout: 'JPEGImages/, SegmentationClass/ and ImageSets/Segmentation/*.txt',
  locate,
  async detect(found, cache) {
    const reasons = ['JPEGImages/ and SegmentationClass/ folders'];
    const lists = await cache.files(path.join(found, 'ImageSets', 'Segmentation'));
    if (lists.length) reasons.push(`ImageSets/Segmentation lists ${lists.join(', ')}`);
    return { confidence: lists.length ? 0.97 : 0.85, reasons };
  },
  async plan(found, root, cache) {
    const base = found ?? root;
    const splits = await vocSplits(base, cache, (id) => path.join(base, 'JPEGImages', `${id}.jpg`));
    return {
      root: base,
      pairing: { kind: 'name-list', annotationSuffix: '' },
      splits,
      labelsDirs: [base],
      builtinClasses: VOC_CLASSES,
      defaultVoidId: 255,
      encoding: 'palette',
    };
  },
});
