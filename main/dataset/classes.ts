import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ClassDef, DatasetDescriptor } from '../../shared/dataset/descriptor';
import { parseLabels, type LabelsParse } from '../../shared/dataset/labels';
import { paletteColor } from '../../shared/dataset/palette';
import { IGNORE_LABEL, type SourceClass } from './source';
import { colorKey, keyColor } from './decode';
import type { DirCache } from './dir-cache';

/** Labels files we pick up on our own, most common first. */
const LABEL_FILE_NAMES = [
  'labels.json',
  'labels.csv',
  'seg_labels.json',
  'seg_labels_list.json',
  'classes.json',
  'classes.csv',
  'class_dict.csv',
  'labelmap.txt',
];

export async function findLabelsFile(
  dirs: readonly string[],
  cache: DirCache,
): Promise<string | null> {
  for (const dir of dirs) {
    for (const name of LABEL_FILE_NAMES) {
      if (await cache.exists(path.join(dir, name))) return path.join(dir, name);
    }
  }
  return null;
}

export async function readLabelsFile(file: string): Promise<LabelsParse> {
  try {
    return parseLabels(await fs.readFile(file, 'utf8'), file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const error =
      code === 'ENOENT'
        ? 'it does not exist'
        : code === 'EISDIR'
          ? 'it is a folder, not a file'
          : `it cannot be read (${(err as Error).message})`;
    return { ok: false, error };
  }
}

/** Classes for ids found in the masks when nothing names them: `class N`, palette colours. */
export function discoveredClasses(ids: Iterable<number>, voidId: number | null): ClassDef[] {
  return [...new Set(ids)]
    .sort((a, b) => a - b)
    .map((id) =>
      id === voidId
        ? { id, name: 'void', color: [0, 0, 0] as [number, number, number], void: true }
        : { id, name: `class ${id}`, color: paletteColor(id) },
    );
}

/** Classes for colours found in colour masks without labels: ids in colour order. */
export function discoveredColorClasses(keys: Iterable<number>): ClassDef[] {
  return [...new Set(keys)]
    .sort((a, b) => a - b)
    .map((key, id) => ({ id, name: `class ${id}`, color: keyColor(key) }));
}

/** Training classes: non-void classes ordered by dataset id, indexed 0..n-1. */
export function sourceClasses(classes: readonly ClassDef[]): SourceClass[] {
  return classes
    .filter((c) => !c.void)
    .sort((a, b) => a.id - b.id)
    .map((c, index) => ({ index, datasetId: c.id, name: c.name, color: c.color }));
}

/**
 * Turns mask keys (see decode.ts) into dataset ids and training indices for one descriptor.
 * Void and unknown keys both train as IGNORE_LABEL; validation tells them apart.
 */
export class ClassMapper {
  readonly classes: readonly SourceClass[];
  private readonly idByKey = new Map<number, number>();
  private readonly trainingById = new Map<number, number>();
  private readonly redId: boolean;
  private readonly keyById = new Map<number, number>();

  constructor(descriptor: {
    readonly classes: readonly ClassDef[];
    readonly encoding: DatasetDescriptor['encoding'];
    readonly rgbMapping?: DatasetDescriptor['rgbMapping'];
  }) {
    this.classes = sourceClasses(descriptor.classes);
    for (const c of this.classes) this.trainingById.set(c.datasetId, c.index);
    this.redId = descriptor.encoding === 'rgb' && descriptor.rgbMapping === 'red-id';
    for (const c of descriptor.classes) {
      if (descriptor.encoding !== 'rgb') this.idByKey.set(c.id, c.id);
      else if (!this.redId) this.idByKey.set(colorKey(...c.color), c.id);
      else if (c.id >= 0 && c.id <= 255) this.idByKey.set(colorKey(c.id, 0, 0), c.id);
    }
    for (const [key, id] of this.idByKey) if (!this.keyById.has(id)) this.keyById.set(id, key);
    this.encoding = descriptor.encoding;
  }

  private readonly encoding: DatasetDescriptor['encoding'];

  /**
   * The inverse of idOfKey for a whole mask of dataset ids (an edited mask): the keys the
   * dataset's own encoding would have stored. Ids the labels do not know map to a key no
   * class has, so they train as ignored, like unknown values in a dataset file.
   */
  keysOfIds(ids: Uint8Array | Uint16Array): Uint8Array | Uint32Array {
    if (this.encoding !== 'rgb' && ids instanceof Uint8Array) return ids;
    const out = new Uint32Array(ids.length);
    if (this.encoding !== 'rgb') {
      out.set(ids);
      return out;
    }
    const lut = new Uint32Array(65_536).fill(0xffffffff);
    for (const [id, key] of this.keyById) if (id >= 0 && id < 65_536) lut[id] = key;
    for (let i = 0; i < ids.length; i++) out[i] = lut[ids[i]!]!;
    return out;
  }

  /**
   * Dataset id per pixel of decoded keys: `fallback` where a colour names no class or the id
   * does not fit 16 bits (a negative void id).
   */
  idsOfKeys(keys: Uint8Array | Uint32Array, fallback: number): Uint16Array {
    const out = new Uint16Array(keys.length);
    let lastKey = -1;
    let last = fallback;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k !== lastKey) {
        lastKey = k;
        const id = this.idByKey.get(k) ?? (this.encoding === 'rgb' ? fallback : k);
        last = id < 0 || id > 65_535 ? fallback : id;
      }
      out[i] = last;
    }
    return out;
  }

  /** The dataset id a key stands for, or undefined when the labels do not know it. */
  idOfKey(key: number): number | undefined {
    return this.idByKey.get(key);
  }

  /** Human form of a key for problem reports: `17` or `rgb(12,34,56)`. */
  describeKey(key: number, encoding: DatasetDescriptor['encoding']): string {
    return encoding === 'rgb' ? `rgb(${keyColor(key).join(',')})` : String(key);
  }

  /** Per-pixel training index (IGNORE_LABEL for void and unknown values). */
  toTraining(keys: Uint8Array | Uint32Array): Uint8Array {
    const out = new Uint8Array(keys.length);
    if (keys instanceof Uint8Array) {
      const lut = new Uint8Array(256).fill(IGNORE_LABEL);
      for (let k = 0; k < 256; k++) {
        const id = this.idByKey.get(k);
        const t = id === undefined ? undefined : this.trainingById.get(id);
        if (t !== undefined) lut[k] = t;
      }
      for (let i = 0; i < keys.length; i++) out[i] = lut[keys[i]!]!;
      return out;
    }
    const byKey = new Map<number, number>();
    for (const [key, id] of this.idByKey) {
      const t = this.trainingById.get(id);
      if (t !== undefined) byKey.set(key, t);
    }
    let lastKey = -1;
    let last = IGNORE_LABEL;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k !== lastKey) {
        lastKey = k;
        last = byKey.get(k) ?? IGNORE_LABEL;
      }
      out[i] = last;
    }
    return out;
  }
}
