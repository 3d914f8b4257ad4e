/**
 * Projects made from a folder of images and a class list (nothing labelled yet). The image
 * list and its train/val split live in `PROJECT/labels/images.json`; every image starts
 * `unlabeled` and becomes a sample once it has an edit. Classes get ids 0..n-1 in the order
 * given; id 255 is the void "unlabeled" class the eraser writes.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ClassDef, DatasetDescriptor } from '../../shared/dataset/descriptor';
import { paletteColor } from '../../shared/dataset/palette';
import { DatasetIndex, type SampleRecord, type SplitIndex } from '../dataset/index';
import { isImageName } from '../dataset/dir-cache';
import { readImageHeader } from '../dataset/headers';
import { DEFAULT_MAX_PIXELS } from '../dataset/open';
import { writeJsonAtomic } from '../fs/atomic';
import { readJsonOrNull } from '../fs/json';
import { LabelsError } from './errors';
import { labelsLayout } from './index-file';

export const UNLABELED_ID = 255;
const IMAGES_FILE = 'images.json';

const ImageEntry = z.object({
  id: z.string(),
  /** Relative to the descriptor's root. */
  file: z.string(),
  width: z.number().int(),
  height: z.number().int(),
});
const ImagesFile = z.object({
  version: z.literal(1),
  splits: z.record(z.string(), z.array(ImageEntry)),
});
type ImagesFile = z.infer<typeof ImagesFile>;

export const imagesFile = (projectDir: string): string =>
  path.join(labelsLayout(projectDir).dir, IMAGES_FILE);

/** Class names from `a,b,c` or a file with one name per line (or comma-separated). */
export async function parseClassList(arg: string): Promise<string[]> {
  const stat = await fs.stat(arg).catch(() => null);
  const text = stat?.isFile() ? await fs.readFile(arg, 'utf8') : arg;
  const names = text
    .split(/[\n,]/)
    .map((n) => n.trim())
    .filter((n) => n.length > 0 && !n.startsWith('#'));
  if (names.length === 0) throw new LabelsError(`No class names in ${arg}`, 'bad_classes');
  if (names.length > 255) throw new LabelsError('At most 255 classes', 'bad_classes');
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new LabelsError(`Class "${dup}" is named twice in ${arg}`, 'bad_classes');
  return names;
}

async function listImages(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listImages(root, full)));
    else if (entry.isFile() && isImageName(entry.name)) out.push(path.relative(root, full));
  }
  return out.sort();
}

/** Deterministic split: an image goes to val when the hash of its name falls below the fraction. */
function inVal(name: string, fraction: number): boolean {
  const h = createHash('sha256').update(name).digest().readUInt32BE(0);
  return h / 0x1_0000_0000 < fraction;
}

/** What a project made from a folder of images is made of. */
export interface ImagesProjectInput {
  readonly imagesDir: string;
  readonly projectDir: string;
  readonly classes: readonly string[];
  readonly valFraction: number;
  /** Where the class list came from (a file, the command line, the app). */
  readonly labelsSource: string;
}

export async function createImagesProject(
  input: ImagesProjectInput,
): Promise<{ descriptor: DatasetDescriptor; index: DatasetIndex; skipped: string[] }> {
  const root = path.resolve(input.imagesDir);
  const files = await listImages(root);
  const images: ImagesFile = { version: 1, splits: { train: [], val: [] } };
  const skipped: string[] = [];
  const ids = new Set<string>();
  for (const file of files) {
    const header = await readImageHeader(path.join(root, file), file);
    if (!header.ok) {
      skipped.push(`${file}: ${header.detail}`);
      continue;
    }
    const stem = file.replace(/\.[^./\\]+$/, '');
    const id = ids.has(path.basename(stem)) ? stem.split(path.sep).join('_') : path.basename(stem);
    ids.add(id);
    const { width, height } = header.header;
    images.splits[inVal(file, input.valFraction) ? 'val' : 'train']!.push({
      id,
      file,
      width,
      height,
    });
  }
  if (images.splits['train']!.length === 0) {
    throw new LabelsError(`No readable images in ${root} for a train split`, 'no_images');
  }
  const classes: ClassDef[] = input.classes.map((name, id) => ({
    id,
    name,
    color: paletteColor(id),
  }));
  classes.push({ id: UNLABELED_ID, name: 'unlabeled', color: [0, 0, 0], void: true });
  const descriptor: DatasetDescriptor = {
    version: 1,
    format: 'folder-pairs',
    root,
    splits: Object.keys(images.splits).map((name) => ({ name, imageDir: root })),
    pairing: { kind: 'basename', annotationSuffix: '' },
    encoding: 'index',
    classes,
    voidId: UNLABELED_ID,
    labelsSource: input.labelsSource,
    maxPixels: DEFAULT_MAX_PIXELS,
  };
  await writeJsonAtomic(imagesFile(input.projectDir), images);
  return { descriptor, index: imagesIndex(descriptor, images), skipped };
}

function imagesIndex(descriptor: DatasetDescriptor, images: ImagesFile): DatasetIndex {
  const splits: Record<string, SplitIndex> = {};
  for (const [name, entries] of Object.entries(images.splits)) {
    const unlabeled: SampleRecord[] = entries.map((e) => ({
      id: e.id,
      split: name,
      image: path.join(descriptor.root, e.file),
      annotation: '',
      width: e.width,
      height: e.height,
      imageKind: 'png',
      annotationKind: 'png',
      annotationBytes: 0,
      imageBytes: 0,
      annotationMtimeMs: 0,
      imageMtimeMs: 0,
    }));
    splits[name] = { listed: entries.length, usable: 0, samples: [], unlabeled };
  }
  return new DatasetIndex(descriptor, splits, []);
}

/** The images index of a project made from images, or null for a project of a dataset. */
export async function openImagesIndex(
  projectDir: string,
  descriptor: DatasetDescriptor,
): Promise<DatasetIndex | null> {
  const file = imagesFile(projectDir);
  if (!(await fs.stat(file).catch(() => null))) return null;
  const images = await readJsonOrNull(file, ImagesFile);
  if (!images)
    throw new LabelsError(`${file} is damaged: it does not list the images`, 'labels_index');
  return imagesIndex(descriptor, images);
}
