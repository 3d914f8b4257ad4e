import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../fs/atomic';
import { Limiter } from './concurrency';
import type { DatasetIndex } from './dataset-index';
import { decodeMask, decodeRgb } from './decode';
import { renderMaskRgb } from './render-mask';

/**
 * Thumbnails are made on first request and kept in a disk cache (never next to the data).
 * The file name hashes source path, size and mtime, so a changed file gets a new thumbnail.
 */

export type ThumbnailKind = 'image' | 'mask';

export interface ThumbnailOptions {
  readonly split?: string;
  readonly kind?: ThumbnailKind;
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
  const sample = index.findSample(sampleId, options.split);
  if (!sample) throw new Error(`No usable sample "${sampleId}"`);
  const kind = options.kind ?? 'image';
  const source = kind === 'image' ? sample.image : sample.annotation;
  const stamp = kind === 'image' ? sample.imageMtimeMs : sample.annotationMtimeMs;
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
          const mask = await decodeMask(source, index.descriptor.encoding);
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
