import {
  IGNORE_LABEL,
  type DecodedSample,
  type LoadOptions,
  type SampleSource,
  type SourceClass,
} from '../../main/dataset/source';
import { Rng } from '../../main/engine/rng';

/**
 * Deterministic synthetic segmentation set: dark noisy background (class 0) with 1-3 filled
 * rectangles / discs whose class is their colour (1 red, 2 green, 3 blue); a 1-px void ring
 * around every shape plus a few random void pixels.
 */
const COLORS: readonly (readonly [number, number, number])[] = [
  [20, 20, 20],
  [220, 40, 40],
  [40, 200, 60],
  [50, 70, 230],
];

export const SYNTHETIC_CLASSES: readonly SourceClass[] = COLORS.map((color, index) => ({
  index,
  datasetId: index,
  name: ['background', 'red', 'green', 'blue'][index]!,
  color: [color[0], color[1], color[2]] as const,
}));

export function renderSynthetic(index: number, size: number): DecodedSample {
  const rng = Rng.derive(1234, 'synthetic', index);
  const image = new Uint8Array(size * size * 3);
  const label = new Uint8Array(size * size);
  for (let p = 0; p < size * size; p++) {
    for (let c = 0; c < 3; c++) image[p * 3 + c] = COLORS[0]![c]! + rng.int(20);
  }
  const shapes = 1 + rng.int(3);
  for (let s = 0; s < shapes; s++) {
    const cls = 1 + rng.int(3);
    const disc = rng.next() < 0.5;
    const r = Math.floor(size * rng.uniform(0.12, 0.25));
    const cx = r + rng.int(Math.max(1, size - 2 * r));
    const cy = r + rng.int(Math.max(1, size - 2 * r));
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dx = x - cx;
        const dy = y - cy;
        const d = disc ? Math.sqrt(dx * dx + dy * dy) : Math.max(Math.abs(dx), Math.abs(dy));
        const p = y * size + x;
        if (d <= r) {
          label[p] = cls;
          for (let c = 0; c < 3; c++)
            image[p * 3 + c] = Math.min(255, COLORS[cls]![c]! + rng.int(25));
        } else if (d <= r + 1 && label[p] === 0) {
          label[p] = IGNORE_LABEL;
        }
      }
    }
  }
  for (let k = 0; k < size; k++) label[rng.int(size * size)] = IGNORE_LABEL;
  return { id: `syn_${index}`, width: size, height: size, image, label };
}

function resizeNearest(s: DecodedSample, width: number, height: number): DecodedSample {
  if (s.width === width && s.height === height) return s;
  const image = new Uint8Array(width * height * 3);
  const label = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(s.height - 1, Math.floor(((y + 0.5) * s.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(s.width - 1, Math.floor(((x + 0.5) * s.width) / width));
      const sp = sy * s.width + sx;
      const dp = y * width + x;
      label[dp] = s.label[sp]!;
      for (let c = 0; c < 3; c++) image[dp * 3 + c] = s.image[sp * 3 + c]!;
    }
  }
  return { id: s.id, width, height, image, label };
}

export class SyntheticSource implements SampleSource {
  readonly split: string;
  readonly classes = SYNTHETIC_CLASSES;
  loads = 0;

  constructor(
    readonly count: number,
    readonly size = 64,
    split = 'train',
    private readonly offset = 0,
  ) {
    this.split = split;
  }

  sampleId(index: number): string {
    return `syn_${this.offset + index}`;
  }

  imagePath(index: number): string {
    return `/synthetic/${this.sampleId(index)}.png`;
  }

  async load(index: number, options?: LoadOptions): Promise<DecodedSample> {
    if (index < 0 || index >= this.count) throw new Error(`index ${index} out of range`);
    this.loads++;
    await new Promise((resolve) => setImmediate(resolve));
    const s = renderSynthetic(this.offset + index, this.size);
    return options?.resize ? resizeNearest(s, options.resize.width, options.resize.height) : s;
  }
}
