/**
 * The seed / I2DL layout: `train.txt` etc. list image names, images in `images/NAME.ext`,
 * RGB targets in `targets/NAME_GT.ext` (any image extension, e.g. the original's .bmp).
 */
import path from 'node:path';
import { IMAGE_EXTENSIONS, imagesByStem, readListLines, stem, type DirCache } from '../dir-cache';
import type { DatasetPlan, FormatModule, PlannedSample, PlannedSplit } from '../plan';

const SUFFIX = '_GT';

/** Single-column list files (`train.txt`, `val.txt`, `test.txt`, ...) in the root. */
async function nameLists(root: string, cache: DirCache): Promise<string[]> {
  const lists: string[] = [];
  for (const name of await cache.files(root)) {
    if (!name.toLowerCase().endsWith('.txt')) continue;
    const first = (await readListLines(path.join(root, name)).catch(() => []))[0];
    if (first && first.text.split(/\s+/).length === 1) lists.push(path.join(root, name));
  }
  return lists;
}

function firstExisting(byStem: Map<string, string>, name: string, dir: string): string {
  return byStem.get(name) ?? path.join(dir, `${name}${IMAGE_EXTENSIONS[0]}`);
}

export const seedFormat: FormatModule = {
  format: 'seed',
  layout: 'images/NAME.ext with targets/NAME_GT.ext, split lists such as train.txt',
  async detect(root, cache) {
    const reasons: string[] = [];
    const hasImages = await cache.isDir(path.join(root, 'images'));
    const hasTargets = await cache.isDir(path.join(root, 'targets'));
    if (!hasImages || !hasTargets) return { format: 'seed', confidence: 0, reasons };
    reasons.push('images/ and targets/ folders');
    const targets = await cache.files(path.join(root, 'targets'));
    const gt = targets.some((t) => stem(t).endsWith(SUFFIX));
    if (gt) reasons.push(`targets named NAME${SUFFIX}`);
    const lists = await nameLists(root, cache);
    if (lists.length > 0)
      reasons.push(`split lists ${lists.map((l) => path.basename(l)).join(', ')}`);
    return {
      format: 'seed',
      confidence: 0.6 + (gt ? 0.2 : 0) + (lists.length ? 0.15 : 0),
      reasons,
    };
  },
  async plan(root, cache): Promise<DatasetPlan> {
    const imageDir = path.join(root, 'images');
    const annotationDir = path.join(root, 'targets');
    const images = await imagesByStem(cache, imageDir);
    const targets = await imagesByStem(cache, annotationDir);
    const sampleFor = (name: string): PlannedSample => {
      // List lines may carry the extension (`1_19_s.bmp`) or not (`1_19_s`).
      const id = IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase()) ? stem(name) : name;
      return {
        sample: id,
        image: firstExisting(images, id, imageDir),
        annotation: firstExisting(targets, `${id}${SUFFIX}`, annotationDir),
      };
    };
    const lists = await nameLists(root, cache);
    const splits: PlannedSplit[] = [];
    for (const listFile of lists) {
      const lines = await readListLines(listFile);
      splits.push({
        name: stem(listFile),
        listFile,
        imageDir,
        annotationDir,
        samples: lines.map((l) => sampleFor(l.text)),
        problems: [],
      });
    }
    if (splits.length === 0) {
      splits.push({
        name: 'all',
        imageDir,
        annotationDir,
        samples: [...images.keys()].map(sampleFor),
        problems: [],
      });
    }
    return {
      format: 'seed',
      root,
      pairing: { kind: 'name-list', annotationSuffix: SUFFIX },
      splits,
      labelsDirs: [root],
      defaultVoidId: null,
      encoding: 'rgb',
    };
  },
};
