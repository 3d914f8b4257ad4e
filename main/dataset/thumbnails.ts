/**
 * Thumbnails are made on first request and kept in a disk cache (never next to the data).
 * The file name hashes source path, size and mtime, so a changed file gets a new thumbnail.
 * Image thumbnails also work for unusable samples whose image is fine (Browse lists those).
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../fs/atomic';
import { Limiter } from './concurrency';
import type { DatasetIndex } from './dataset-index';
import { decodeRgb } from './decode';
import type { SampleRecord } from './records';
import { renderMaskRgb } from './render-mask';

export type ThumbnailKind = 'image' | 'mask';

export interface ThumbnailOptions {
  readonly split?: string;
  readonly kind?: ThumbnailKind;
}

/**
 * The image of an unusable sample whose image header checked out (e.g. its annotation is
 * missing), from the index's problem records; undefined when there is none.
 */
export function previewableImage(
  index: DatasetIndex,
  sampleId: string,
  split?: string,
): string | undefined {
  return index.problems.find(
    (p) => p.sample === sampleId && (split === undefined || p.split === split) && p.image,
  )?.image;
}

interface ThumbnailSource {
  readonly file: string;
  /** Changes when the content does (mtime, or the edit's revision). */
  readonly mtimeMs: number | string;
  /** Mask thumbnails: the sample, read through the label-source seam. */
  readonly record?: SampleRecord;
}

async function sourceFor(
  index: DatasetIndex,
  sampleId: string,
  kind: ThumbnailKind,
  split: string | undefined,
): Promise<ThumbnailSource> {
  const sample = index.findSample(sampleId, split);
  if (sample) {
    return kind === 'image'
      ? { file: sample.image, mtimeMs: sample.imageMtimeMs }
      : { file: 'mask', mtimeMs: index.currentMask(sample).stamp, record: sample };
  }
  // An image without a mask yet (projects from images) previews like any sample's image.
  const unlabeled = split === undefined ? undefined : index.findLabelable(sampleId, split);
  const image =
    kind === 'image' ? (unlabeled?.image ?? previewableImage(index, sampleId, split)) : undefined;
  if (!image) {
    const what = kind === 'image' ? 'readable image' : 'usable annotation';
    throw new Error(`No sample "${sampleId}" with a ${what}`);
  }
  const stat = await fs.stat(image).catch((err: Error) => {
    throw new Error(`${image}: cannot read the image of sample "${sampleId}" (${err.message})`);
  });
  return { file: image, mtimeMs: stat.mtimeMs };
}

const inFlight = new Map<string, Promise<string>>();
/** A grid asking for 200 thumbnails at once must not decode 200 full images at once. */
const renders = new Limiter(4);

export async function thumbnail(
  index: DatasetIndex,
  sampleId: string,
  cacheDir: string,
  size: number,
  options: ThumbnailOptions = {},
): Promise<string> {
  const kind = options.kind ?? 'image';
  const {
    file: source,
    mtimeMs: stamp,
    record,
  } = await sourceFor(index, sampleId, kind, options.split);
  const extra = kind === 'mask' ? JSON.stringify(index.mapper.classes) : '';
  const key = createHash('sha256')
    .update(`${kind}\u0000${source}\u0000${stamp}\u0000${size}\u0000${extra}`)
    .digest('hex')
    .slice(0, 32);
  const file = path.join(cacheDir, 'thumbnails', `${key}.${kind === 'image' ? 'jpg' : 'png'}`);
  if (existsSync(file)) return file;
  let pending = inFlight.get(file);
  if (!pending) {
    pending = renders
      .run(async () => {
        let pipeline: sharp.Sharp;
        if (kind === 'image') {
          const rgb = await decodeRgb(source);
          pipeline = sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
            .resize(size, size, { fit: 'inside' })
            .jpeg({ quality: 80 });
        } else {
          const mask = await index.readMask(record!);
          const rgb = renderMaskRgb(
            { width: mask.width, height: mask.height, label: index.mapper.toTraining(mask.keys) },
            index.mapper.classes,
          );
          pipeline = sharp(rgb, { raw: { width: mask.width, height: mask.height, channels: 3 } })
            .resize(size, size, { fit: 'inside', kernel: 'nearest' })
            .png();
        }
        await writeFileAtomic(file, await pipeline.toBuffer());
        return file;
      })
      .finally(() => inFlight.delete(file));
    inFlight.set(file, pending);
  }
  return pending;
}
