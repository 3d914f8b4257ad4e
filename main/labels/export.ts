/**
 * `segstudio labels export` and the labels service's export: the project's current masks
 * written out, the dataset itself untouched unless `inPlace`.
 *
 *   dataset  a copy of the dataset tree (files hard-linked where possible, so it re-opens as
 *            the same format) with each edited mask re-encoded in the dataset's own encoding
 *            at its original relative path; untouched masks are the original files.
 *   index    DIR/<split>/<id>.png, grey class ids (16-bit when ids exceed 255).
 *   palette  DIR/<split>/<id>.png, palette PNG of the class colours (VOC style).
 *   colour   DIR/<split>/<id>.png, RGB class colours, plus a CVAT-style labelmap.txt.
 *
 * `inPlace` (dataset encoding only) replaces the edited masks inside the dataset folder after
 * copying each original to PROJECT/labels/originals/<relative path> (the first original kept).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ExportEncoding } from '../../shared/contracts/labels';
import type { DatasetDescriptor } from '../../shared/dataset/descriptor';
import { encodeBmp } from '../dataset/codecs/bmp';
import { pngChunkBeforeData } from '../dataset/codecs/png-index';
import type { DatasetIndex, SampleRecord } from '../dataset/index';
import { writeFileAtomic } from '../fs/atomic';
import { isInside, isUnderAnyRoot, realRootsOf, realpathOrNull } from '../fs/inside';
import { LabelsError } from './errors';
import type { IdMask } from './payload';
import { encodeIdPng, encodePng } from './png';
import { datasetMask } from './samples';
import type { LabelStore } from './store';

export interface ExportOptions {
  readonly out: string;
  readonly encoding: ExportEncoding;
  readonly split?: string;
  readonly inPlace?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ExportResult {
  readonly dir: string;
  /** Masks written (re-encoded or copied). */
  readonly written: number;
  readonly files: { path: string; bytes: number }[];
}

const safe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_');

/** `DIR/<split>/<name>.png` of the index/palette/colour exports. */
export function exportFile(dir: string, record: { split: string; id: string }): string {
  return path.join(dir, safe(record.split), `${safe(record.id)}.png`);
}

function classPalette(descriptor: DatasetDescriptor): Uint8Array {
  const palette = new Uint8Array(256 * 3);
  for (const c of descriptor.classes) if (c.id >= 0 && c.id < 256) palette.set(c.color, c.id * 3);
  return palette;
}

function toPalette(mask: IdMask, palette: Uint8Array, what: string): Promise<Buffer> {
  const bytes = new Uint8Array(mask.ids.length);
  for (let i = 0; i < bytes.length; i++) {
    const id = mask.ids[i]!;
    if (id > 255) throw new LabelsError(`${what}: id ${id} does not fit a palette PNG`, 'bad_mask');
    bytes[i] = id;
  }
  return encodePng(bytes, mask.width, mask.height, { colorType: 3, channels: 1, palette });
}

function rgbOf(mask: IdMask, colorOf: (id: number) => readonly number[]): Uint8Array {
  const rgb = new Uint8Array(mask.ids.length * 3);
  const cache = new Map<number, readonly number[]>();
  for (let i = 0; i < mask.ids.length; i++) {
    const id = mask.ids[i]!;
    let c = cache.get(id);
    if (!c) cache.set(id, (c = colorOf(id)));
    rgb[i * 3] = c[0]!;
    rgb[i * 3 + 1] = c[1]!;
    rgb[i * 3 + 2] = c[2]!;
  }
  return rgb;
}

function toRgb(mask: IdMask, colorOf: (id: number) => readonly number[]): Promise<Buffer> {
  return encodePng(rgbOf(mask, colorOf), mask.width, mask.height, { colorType: 2, channels: 3 });
}

/** A mask in the dataset's own encoding (the palette of the original file when it has one). */
async function inDatasetEncoding(
  descriptor: DatasetDescriptor,
  record: SampleRecord,
  mask: IdMask,
): Promise<Buffer> {
  if (descriptor.encoding === 'index') return encodeIdPng(mask.ids, mask.width, mask.height);
  if (descriptor.encoding === 'palette') {
    const original = await fs.readFile(record.annotation).catch(() => null);
    const plte = original ? pngChunkBeforeData(original, 'PLTE') : null;
    return toPalette(
      mask,
      plte ? new Uint8Array(plte) : classPalette(descriptor),
      record.annotation,
    );
  }
  const colours = new Map(descriptor.classes.map((c) => [c.id, c.color]));
  const colorOf =
    descriptor.rgbMapping === 'red-id'
      ? (id: number) => [id & 0xff, 0, 0]
      : (id: number) => colours.get(id) ?? colours.get(descriptor.voidId ?? -1) ?? [0, 0, 0];
  if (/\.bmp$/i.test(record.annotation)) {
    // The seed/I2DL layouts keep BMP targets: stay in that container.
    return encodeBmp({ width: mask.width, height: mask.height, data: rgbOf(mask, colorOf) });
  }
  return toRgb(mask, colorOf);
}

/** CVAT's "Segmentation mask 1.1" label map: `name:r,g,b::` per class. */
export function labelMap(descriptor: DatasetDescriptor): string {
  const lines = ['# label:color_rgb:parts:actions'];
  for (const c of [...descriptor.classes].sort((a, b) => a.id - b.id)) {
    lines.push(`${c.name}:${c.color.join(',')}::`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Hard-links (or copies, across file systems) every file of `from` into `to`. Links are followed
 * only where the dataset's allowed roots say (fs/inside.ts): a linked split folder is mirrored
 * like a real one, a link out of the roots is left out, and a folder link back into the folders
 * being walked (a loop) is not entered.
 */
async function mirrorTree(
  from: string,
  to: string,
  skip: ReadonlySet<string>,
  realRoots: readonly string[],
  walked: readonly string[] = [],
): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  const chain = [...walked, (await realpathOrNull(from)) ?? from];
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    const real = entry.isSymbolicLink() ? await realpathOrNull(source) : source;
    if (!real || (real !== source && !isUnderAnyRoot(realRoots, real))) continue;
    const stats = real === source ? entry : await fs.stat(real);
    if (stats.isDirectory()) {
      if (!chain.some((dir) => isInside(real, dir))) {
        await mirrorTree(source, target, skip, realRoots, chain);
      }
    } else if (stats.isFile() && !skip.has(source)) {
      await fs.rm(target, { force: true });
      await fs.link(real, target).catch(() => fs.copyFile(real, target));
    }
  }
}

function samplesOf(index: DatasetIndex, split: string | undefined): SampleRecord[] {
  if (split !== undefined) return [...index.split(split).samples];
  return Object.values(index.splits).flatMap((s) => [...s.samples]);
}

export async function exportLabels(
  index: DatasetIndex,
  store: LabelStore,
  options: ExportOptions,
): Promise<ExportResult> {
  const descriptor = index.descriptor;
  const root = descriptor.root;
  if (options.inPlace && options.encoding !== 'dataset') {
    throw new LabelsError('--in-place writes the dataset encoding only', 'bad_export');
  }
  const dir = options.inPlace ? root : path.resolve(options.out);
  if (!options.inPlace && (dir === root || dir.startsWith(root + path.sep))) {
    throw new LabelsError(
      `${dir} is inside the dataset ${root}; export to another folder, or use --in-place`,
      'bad_export',
    );
  }
  const samples = samplesOf(index, options.split);
  const edited = samples.filter((s) => store.editOf(s.split, s.id));
  const files: { path: string; bytes: number }[] = [];
  const write = async (file: string, bytes: Buffer) => {
    await writeFileAtomic(file, bytes);
    files.push({ path: file, bytes: bytes.length });
  };

  if (options.encoding === 'dataset') {
    const layout = store.layout;
    if (!options.inPlace) {
      const realRoots = await realRootsOf(index.allowedRoots);
      await mirrorTree(root, dir, new Set(edited.map((s) => s.annotation)), realRoots);
    }
    let done = 0;
    for (const record of edited) {
      const relative = path.relative(root, record.annotation);
      if (options.inPlace) {
        const keep = path.join(layout.originalsDir, relative);
        if (!(await fs.stat(keep).catch(() => null))) {
          await writeFileAtomic(keep, await fs.readFile(record.annotation));
        }
      }
      const mask = (await store.readRevision(record.split, record.id))!;
      await write(path.join(dir, relative), await inDatasetEncoding(descriptor, record, mask));
      options.onProgress?.(++done, edited.length);
    }
    if (options.inPlace) {
      // The dataset's files now hold the edits: they are the current masks again.
      for (const record of edited) await store.dropEdit(record.split, record.id);
    }
    return { dir, written: options.inPlace ? edited.length : samples.length, files };
  }

  const palette = classPalette(descriptor);
  const colours = new Map(descriptor.classes.map((c) => [c.id, c.color]));
  let done = 0;
  for (const record of samples) {
    const mask =
      (await store.readRevision(record.split, record.id)) ?? (await datasetMask(index, record));
    const file = exportFile(dir, record);
    const bytes =
      options.encoding === 'index'
        ? await encodeIdPng(mask.ids, mask.width, mask.height)
        : options.encoding === 'palette'
          ? await toPalette(mask, palette, file)
          : await toRgb(mask, (id) => colours.get(id) ?? [0, 0, 0]);
    await write(file, bytes);
    options.onProgress?.(++done, samples.length);
  }
  if (options.encoding === 'colour') {
    await writeFileAtomic(path.join(dir, 'labelmap.txt'), labelMap(descriptor));
  }
  return { dir, written: samples.length, files };
}
