/**
 * Dataset engine — open segmentation datasets as they lie on disk. Nothing here ever writes
 * to the dataset folder; descriptors, statistics and thumbnails go to project/cache folders.
 *
 *   detectFormat(dir)                      -> { format, confidence, reasons, candidates }
 *   openDataset(dir, { format?, labelsFile?, descriptor?, deep?, maxPixels?, onProgress? })
 *                                          -> DatasetIndex { descriptor, splits, problems, source(split) }
 *       splits[NAME] = { listed, usable, samples: SampleRecord[] (usable only),
 *                        unlabeled?: SampleRecord[] (images without an annotation file) }
 *       problems     = [{ split, sample, path, reason (stable code), detail (sentence), image? }]
 *         (image: the sample's image when its header checked out, so it can still be previewed)
 *       source(split) implements SampleSource (./source.ts): RGB image + training-index label,
 *       void -> IGNORE_LABEL (255), classes ordered by training index.
 *     Open reads headers only (fast); `deep` (or a dataset without labels) also decodes every
 *     annotation to check its values — see open.ts. Bad samples become `problems`; only a
 *     folder with no samples in its (detected or given) layout, or an unusable `labelsFile`,
 *     rejects (DatasetError).
 *   saveDescriptor(projectDir, d) / loadDescriptor(projectDir)   atomic JSON in the project
 *   classStatistics(index, split, { cacheDir, onProgress })      per-class pixel counts, cached
 *   cachedClassStatistics(index, split, cacheDir)  the saved counts for the current masks, or null
 *   tallyScans(scans, mapper)              the counting pass behind it and `inspect --deep`
 *   thumbnail(index, sampleId, cacheDir, size, { split?, kind })  lazily cached JPEG/PNG path
 *       (kind 'image' also for an unusable sample with a readable image: previewableImage())
 *   renderMaskPng({ width, height, label }, classes)             colour PNG of a label map
 *       (SourceClass[] -> values are training indices; descriptor ClassDef[] -> raw dataset ids)
 *   SkippingSampleSource(source, onSkip)   skips samples that fail to decode, reporting each
 *   DatasetError                           bad input the user can fix (message names the file)
 *   createDecodePool()                     worker threads decoding masks -> { scan, close }
 *       (openDataset/classStatistics make their own; pass `scanner` to share one)
 */
export { detectFormat, type FormatGuess } from './detect';
export { DatasetError } from './errors';
export { openDataset, DEFAULT_MAX_PIXELS, type OpenOptions } from './open';
export { countsOf, DatasetIndex, type SplitIndex } from './dataset-index';
export { scanKey, type SampleRecord, type ProgressFn, type IndexPhase } from './records';
export { saveDescriptor, loadDescriptor, DESCRIPTOR_FILE } from './descriptor-store';
export {
  cachedClassStatistics,
  classStatistics,
  tallyScans,
  type ClassStatistics,
  type ClassPixelCount,
  type ScanTally,
} from './statistics';
export {
  previewableImage,
  thumbnail,
  type ThumbnailKind,
  type ThumbnailOptions,
} from './thumbnails';
export {
  renderMaskPng,
  renderMaskRgb,
  renderOverlayThumbPng,
  THUMB_SIZE,
  type LabelMap,
} from './render-mask';
export { createDecodePool, type DecodePool } from './decode-pool';
export type { MaskScan, MaskScanner } from './scan';
export { SkippingSampleSource, type SkipReport } from './skipping-source';
export { IGNORE_LABEL, type SampleSource, type DecodedSample, type SourceClass } from './source';
export type { DatasetDescriptor, Problem, ClassDef } from '../../shared/dataset/descriptor';
