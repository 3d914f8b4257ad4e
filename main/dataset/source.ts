/**
 * The seam between the dataset engine and the training engine. The dataset side decodes
 * files (sharp, off the JS thread) into plain typed arrays; the training side owns every
 * random choice (scale, crop, flip, jitter) so that a seeded run can be resumed exactly.
 */
export { IGNORE_LABEL } from '../../shared/dataset/ignore-label';

export interface SourceClass {
  /** Contiguous training index 0..numClasses-1 (void classes are not listed). */
  readonly index: number;
  /** The id the dataset itself uses for this class (pixel value, or R of the colour, ...). */
  readonly datasetId: number;
  readonly name: string;
  readonly color: readonly [number, number, number];
}

export interface DecodedSample {
  /** Base name of the sample, e.g. `0001TP_006690`. */
  readonly id: string;
  readonly width: number;
  readonly height: number;
  /** RGB, row-major HWC, uint8; length = width * height * 3. */
  readonly image: Uint8Array;
  /** Training index per pixel (0..numClasses-1) or IGNORE_LABEL; length = width * height. */
  readonly label: Uint8Array;
}

export interface LoadOptions {
  /** Resize image (bilinear) and label (nearest) to exactly this size before returning. */
  readonly resize?: { readonly width: number; readonly height: number };
}

export interface SampleSource {
  /** Split name, e.g. `train`. */
  readonly split: string;
  readonly count: number;
  readonly classes: readonly SourceClass[];
  sampleId(index: number): string;
  /** Absolute path of the sample's image file (for predictions, overlays, the UI). */
  imagePath(index: number): string;
  load(index: number, options?: LoadOptions): Promise<DecodedSample>;
}
