import sharp from 'sharp';
import type { ClassMapper } from './classes';
import { decodeRgb, type MaskKeys } from './decode';
import type { SampleRecord } from './records';
import type { DecodedSample, LoadOptions, SampleSource, SourceClass } from './source';

/** Nearest-neighbour resize of a label map (labels must never be interpolated). */
export function resizeNearest(
  label: Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): Uint8Array {
  if (width === outWidth && height === outHeight) return label;
  const out = new Uint8Array(outWidth * outHeight);
  const xs = new Uint32Array(outWidth);
  for (let x = 0; x < outWidth; x++)
    xs[x] = Math.min(width - 1, Math.floor(((x + 0.5) * width) / outWidth));
  for (let y = 0; y < outHeight; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / outHeight));
    const src = sy * width;
    const dst = y * outWidth;
    for (let x = 0; x < outWidth; x++) out[dst + x] = label[src + xs[x]!]!;
  }
  return out;
}

async function resizeRgb(
  data: Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): Promise<Uint8Array> {
  if (width === outWidth && height === outHeight) return data;
  const buf = await sharp(data, { raw: { width, height, channels: 3 } })
    .resize(outWidth, outHeight, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** The training engine's view of one split: decode on demand, void -> IGNORE_LABEL. */
export class DatasetSampleSource implements SampleSource {
  readonly count: number;
  readonly classes: readonly SourceClass[];

  constructor(
    readonly split: string,
    private readonly samples: readonly SampleRecord[],
    private readonly mapper: ClassMapper,
    /** The label-source seam (DatasetIndex.readMask): an edit if there is one, else the file. */
    private readonly readMask: (record: SampleRecord) => Promise<MaskKeys>,
  ) {
    this.count = samples.length;
    this.classes = mapper.classes;
  }

  private record(index: number): SampleRecord {
    const r = this.samples[index];
    if (!r)
      throw new RangeError(
        `sample index ${index} outside 0..${this.count - 1} of split ${this.split}`,
      );
    return r;
  }

  sampleId(index: number): string {
    return this.record(index).id;
  }

  imagePath(index: number): string {
    return this.record(index).image;
  }

  async load(index: number, options: LoadOptions = {}): Promise<DecodedSample> {
    const r = this.record(index);
    // Errors name the file: a decoder's own message ("IDAT stream error") does not.
    const named = (what: string) => (err: Error) => {
      throw new Error(`${what} cannot be decoded (${err.message})`);
    };
    const [image, mask] = await Promise.all([
      decodeRgb(r.image).catch(named(`image ${r.image}`)),
      this.readMask(r).catch(named(`annotation of sample ${r.id} (${r.annotation})`)),
    ]);
    if (image.width !== mask.width || image.height !== mask.height) {
      throw new Error(
        `${r.annotation} is ${mask.width}x${mask.height} but ${r.image} is ${image.width}x${image.height}`,
      );
    }
    const label = this.mapper.toTraining(mask.keys);
    const width = options.resize?.width ?? image.width;
    const height = options.resize?.height ?? image.height;
    return {
      id: r.id,
      width,
      height,
      image: await resizeRgb(image.data, image.width, image.height, width, height),
      label: resizeNearest(label, image.width, image.height, width, height),
    };
  }
}
