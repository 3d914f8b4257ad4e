/**
 * The label-source seam: where a sample's current mask comes from. Every reader of masks
 * (training samples, thumbnails, class statistics and presence, evaluation, the viewer,
 * export) asks the DatasetIndex (`currentMask`, `readMask`), which asks its LabelSource. The
 * default knows only the dataset's files; main/labels implements it over `PROJECT/labels/`,
 * preferring an edited mask. Edits are class-index PNGs in the dataset's id space; readMask
 * turns them back into the dataset's mask keys, so everything downstream (ClassMapper,
 * histograms) works unchanged whatever the dataset's own encoding.
 */
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import type { MaskEncoding } from '../../shared/dataset/descriptor';
import type { ClassMapper } from './classes';
import { decodePng8 } from './codecs/png-index';
import { decodeMask, type MaskKeys } from './decode';

/** An edited mask on disk: a grey 8- or 16-bit PNG whose values are dataset class ids. */
export interface EditedMask {
  readonly file: string;
  /** Changes whenever the edit changes (revision), for cache keys. */
  readonly stamp: string;
}

/**
 * Supplies edited masks. Implementations answer from memory (called per sample, per grid
 * cell); a caller may hold the returned object only until the next save of that sample.
 */
export interface LabelSource {
  /** The current edit of a sample, or null when the dataset's own file (if any) is current. */
  editOf(split: string, id: string): EditedMask | null;
  /**
   * Moves whenever an edit is saved or dropped (or a state set); an index re-derives which
   * images count as samples when it changes, Browse re-runs its queries. Callers only compare it.
   */
  generation(): number;
}

/** The default: no edits, every mask is the dataset's file. */
export const datasetFileLabels: LabelSource = { editOf: () => null, generation: () => 0 };

/** Which file is a sample's current mask, and a stamp that changes when its content does. */
export interface CurrentMask {
  readonly origin: 'edit' | 'dataset';
  readonly file: string;
  readonly stamp: string;
}

/** Class ids of an edited mask, exactly as stored (8-bit or 16-bit grey PNG). */
export async function readIdMask(
  file: string,
): Promise<{ width: number; height: number; ids: Uint8Array | Uint16Array }> {
  const bytes = await fs.readFile(file);
  const png = await decodePng8(bytes);
  if (png && png.channels === 1 && png.colorType === 0) {
    return { width: png.width, height: png.height, ids: png.data };
  }
  const { data, info } = await sharp(bytes, { limitInputPixels: false })
    .extractChannel(0)
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  const ids = new Uint16Array(info.width * info.height);
  for (let i = 0; i < ids.length; i++) ids[i] = data.readUInt16LE(i * 2);
  return { width: info.width, height: info.height, ids };
}

/** Mask keys (decode.ts) of a sample's current mask, in the dataset's own encoding. */
export async function readCurrentMask(
  mask: CurrentMask,
  encoding: MaskEncoding,
  mapper: ClassMapper,
): Promise<MaskKeys> {
  if (mask.origin === 'dataset') return decodeMask(mask.file, encoding);
  const { width, height, ids } = await readIdMask(mask.file);
  return { width, height, keys: mapper.keysOfIds(ids) };
}
