/**
 * ADE20K SceneParsing (`ADEChallengeData2016`): images/{training,validation}/*.jpg with
 * index PNGs in annotations/{...}; 0 = "other" (void); names from objectInfo150.csv.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ClassDef } from '../../../shared/dataset/descriptor';
import { paletteColor } from '../../../shared/dataset/palette';
import type { DirCache } from '../dir-cache';
import { locatedFormat, stemPairedSplit, type PlannedSplit, type StemRule } from '../plan';

/** `images/X/ID.jpg` pairs with `annotations/X/ID.png`. */
const RULE: StemRule = { suffixes: [''], imageExt: '.jpg' };

const SPLITS: readonly (readonly [string, string])[] = [
  ['training', 'train'],
  ['validation', 'val'],
];

/** The dataset root: the folder itself or an ADEChallengeData2016 inside it. */
async function locate(root: string, cache: DirCache): Promise<string | null> {
  for (const candidate of [root, path.join(root, 'ADEChallengeData2016')]) {
    const images = path.join(candidate, 'images');
    const annotations = path.join(candidate, 'annotations');
    if (!(await cache.isDir(images)) || !(await cache.isDir(annotations))) continue;
    const sub = await cache.subdirs(images);
    if (SPLITS.some(([folder]) => sub.includes(folder))) return candidate;
  }
  return null;
}

/** objectInfo150.csv: `Idx,Ratio,Train,Val,Name` with names like `wall` or `building;edifice`. */
async function readObjectInfo(file: string): Promise<ClassDef[] | null> {
  const text = await fs.readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  const classes: ClassDef[] = [{ id: 0, name: 'other', color: [0, 0, 0], void: true }];
  for (const line of text.split(/\r?\n/).slice(1)) {
    const cells = line.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    const id = Number(cells[0]);
    const name = cells[cells.length - 1]?.replace(/"/g, '').split(';')[0]?.trim();
    if (!Number.isInteger(id) || id <= 0 || !name) continue;
    classes.push({ id, name, color: paletteColor(id) });
  }
  return classes.length > 1 ? classes : null;
}

export const ade20kFormat = locatedFormat({
  format: 'ade20k',
  layout: 'images/{training,validation}/ with annotations/{training,validation}/',
  locate,
  async detect(found, cache) {
    const reasons = ['images/ and annotations/ with training/validation folders'];
    if (path.basename(found) === 'ADEChallengeData2016')
      reasons.push('ADEChallengeData2016 folder');
    if (await cache.exists(path.join(found, 'objectInfo150.csv')))
      reasons.push('objectInfo150.csv');
    return { confidence: 0.95, reasons };
  },
  async plan(found, root, cache) {
    const base = found ?? root;
    const splits: PlannedSplit[] = [];
    for (const [folder, name] of SPLITS) {
      const imageDir = path.join(base, 'images', folder);
      const annotationDir = path.join(base, 'annotations', folder);
      if (!(await cache.isDir(imageDir))) continue;
      // An annotation whose image is gone is a listed sample with a missing image.
      splits.push(
        await stemPairedSplit(cache, { split: name, imageDir, annotationDir, root: base }, RULE),
      );
    }
    const builtin = await readObjectInfo(path.join(base, 'objectInfo150.csv'));
    return {
      root: base,
      pairing: { kind: 'basename', annotationSuffix: '' },
      splits,
      labelsDirs: [base],
      ...(builtin && { builtinClasses: builtin }),
      defaultVoidId: 0,
      encoding: 'index',
    };
  },
});
