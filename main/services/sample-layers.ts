import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { RunName } from '../../shared/contracts/common';
import { decodeMask } from '../dataset/decode';
import {
  IGNORE_LABEL,
  previewableImage,
  renderMaskPng,
  renderOverlayThumbPng,
  thumbnail,
  THUMB_SIZE,
  type DatasetIndex,
} from '../dataset/index';
import type { SampleRecord } from '../dataset/records';
import { writeFileAtomic } from '../fs/atomic';
import type { ConfinedFile, SampleLayer, SampleLayerFile } from '../media/resolve';
import { evalMaskPaths } from '../training/eval-masks';
import { predictionsDir } from './predictions';
import type { OpenProject } from './project-session';

/**
 * Files behind `sample/<split>/<id>/<layer>[/<run>]`. The image is the user's own file;
 * everything else is rendered on first request into `<project>/cache/layers` (masks in the
 * classes' colours, a greyscale training-index PNG for hover lookups, the error map).
 *
 * Predicted masks, first found wins: `<runsDir>/<run>/eval/<split>/pred/<id>.png` when its
 * stamp is there (kept by the evaluation, see eval-masks.ts; 8-bit greyscale, pixel = training
 * index, 255 = void), `<cache>/predictions/<run>/<split>/<id>.png` (predictions.ts, for reports
 * without kept masks), the same `pred/` file without a stamp,
 * `<runsDir>/<run>/predictions/<split>/<id>.png`. The cache and `predictions/` masks are in the
 * dataset's own mask encoding, decoded exactly like the truth. `gtThumb` is the current mask
 * (edits included) at thumbnail size with void transparent, the overlay Browse draws.
 */
export { THUMB_SIZE };

const CORRECT: readonly number[] = [46, 160, 67];
const WRONG: readonly number[] = [220, 50, 47];
const IGNORED: readonly number[] = [110, 110, 110];

const safeSplit = (split: string): string => split.replace(/[^A-Za-z0-9._-]/g, '_');

export interface PredictionFile {
  readonly file: string;
  /** `training`: pixel = training index; `dataset`: the dataset's own mask encoding. */
  readonly encoding: 'training' | 'dataset';
}

export function predictionFile(
  project: Pick<OpenProject, 'runsDir' | 'cacheDir'>,
  run: string,
  split: string,
  id: string,
): PredictionFile | null {
  if (!RunName.safeParse(run).success) return null;
  const runsDir = project.runsDir;
  const evalMasks = evalMaskPaths(path.join(runsDir, run), split);
  const kept: PredictionFile = {
    file: path.join(evalMasks.dir, `${id}.png`),
    encoding: 'training',
  };
  const candidates: PredictionFile[] = [
    // Kept by the evaluation itself (the usual case); the stamp is removed while they change.
    ...(existsSync(evalMasks.stamp) ? [kept] : []),
    // Made by predictions.ts for reports without kept masks.
    {
      file: path.join(predictionsDir(project.cacheDir, run, split), `${id}.png`),
      encoding: 'dataset',
    },
    kept,
    {
      file: path.join(runsDir, run, 'predictions', safeSplit(split), `${id}.png`),
      encoding: 'dataset',
    },
  ];
  return candidates.find((c) => existsSync(c.file)) ?? null;
}

interface Label {
  width: number;
  height: number;
  label: Uint8Array;
}

async function groundTruth(index: DatasetIndex, sample: SampleRecord): Promise<Label> {
  // Through the label-source seam: an edited mask wins over the dataset's file.
  const mask = await index.readMask(sample);
  return { width: mask.width, height: mask.height, label: index.mapper.toTraining(mask.keys) };
}

/** A prediction as training indices, resized (nearest) to the ground truth if needed. */
async function readPrediction(
  index: DatasetIndex,
  pred: PredictionFile,
  width: number,
  height: number,
): Promise<Label> {
  if (pred.encoding === 'dataset') {
    const mask = await decodeMask(pred.file, index.descriptor.encoding);
    const label = index.mapper.toTraining(mask.keys);
    if (mask.width === width && mask.height === height) return { width, height, label };
    const { data } = await sharp(label, {
      raw: { width: mask.width, height: mask.height, channels: 1 },
    })
      .resize(width, height, { fit: 'fill', kernel: 'nearest' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width, height, label: new Uint8Array(data.buffer, data.byteOffset, width * height) };
  }
  const { data } = await sharp(pred.file)
    .extractChannel(0)
    .resize(width, height, { fit: 'fill', kernel: 'nearest' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width, height, label: new Uint8Array(data.buffer, data.byteOffset, width * height) };
}

function errorMapRgb(gt: Label, pred: Label): Uint8Array {
  const out = new Uint8Array(gt.width * gt.height * 3);
  for (let p = 0; p < gt.label.length; p++) {
    const g = gt.label[p]!;
    out.set(g === IGNORE_LABEL ? IGNORED : g === pred.label[p] ? CORRECT : WRONG, p * 3);
  }
  return out;
}

const inFlight = new Map<string, Promise<void>>();

/** Renders `file` once (concurrent requests share the work); atomic so readers never see half. */
async function cached(file: string, render: () => Promise<Buffer>): Promise<string> {
  if (existsSync(file)) return file;
  let pending = inFlight.get(file);
  if (!pending) {
    pending = render()
      .then((buffer) => writeFileAtomic(file, buffer))
      .finally(() => inFlight.delete(file));
    inFlight.set(file, pending);
  }
  await pending;
  return file;
}

function layerKey(parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** An unusable sample whose image is fine (e.g. no annotation) still shows its image. */
function unusableSampleLayer(
  project: OpenProject,
  index: DatasetIndex,
  { split, id, layer }: { split: string; id: string; layer: SampleLayer },
): SampleLayerFile | null {
  const image = index.findLabelable(id, split)?.image ?? previewableImage(index, id, split);
  if (!image) return null;
  const sources = [{ file: image, roots: index.allowedRoots }];
  if (layer === 'image')
    return { sources, produce: () => Promise.resolve(image), roots: index.allowedRoots };
  if (layer === 'thumb') {
    return {
      sources,
      produce: () => thumbnail(index, id, project.cacheDir, THUMB_SIZE, { split }),
      roots: [project.cacheDir],
    };
  }
  return null;
}

/** The sample's current mask (an edit in the project, else the dataset's file) and its root. */
function maskSource(project: OpenProject, index: DatasetIndex, sample: SampleRecord): ConfinedFile {
  const mask = index.currentMask(sample);
  const roots = mask.origin === 'edit' ? [project.labelsDir] : index.allowedRoots;
  return { file: mask.file, roots };
}

/**
 * What `sample/<split>/<id>/<layer>[/<run>]` shows: its sources (checked by the resolver
 * before anything is rendered) and how to produce the file. Nothing is read or rendered here.
 */
export function sampleLayerFile(
  project: OpenProject,
  index: DatasetIndex,
  request: { split: string; id: string; layer: SampleLayer; run: string | null },
): SampleLayerFile | null {
  const { split, id, layer, run } = request;
  if (!index.splits[split]) return null;
  const sample = index.findSample(id, split);
  const cacheRoots = [project.cacheDir];
  if (!sample) return unusableSampleLayer(project, index, request);
  const layersDir = path.join(project.cacheDir, 'layers');
  const classesKey = JSON.stringify(index.mapper.classes);
  const gtKey = [index.currentMask(sample).stamp, classesKey];
  const image: ConfinedFile = { file: sample.image, roots: index.allowedRoots };
  const mask = maskSource(project, index, sample);

  switch (layer) {
    case 'image':
      return { sources: [image], produce: () => Promise.resolve(sample.image), roots: image.roots };
    case 'thumb':
      return {
        sources: [image],
        produce: () => thumbnail(index, id, project.cacheDir, THUMB_SIZE, { split }),
        roots: cacheRoots,
      };
    case 'gt':
      return {
        sources: [mask],
        produce: () =>
          cached(path.join(layersDir, `gt-${layerKey(gtKey)}.png`), async () =>
            renderMaskPng(await groundTruth(index, sample), index.mapper.classes),
          ),
        roots: cacheRoots,
      };
    case 'gtThumb':
      return {
        sources: [mask],
        produce: () =>
          cached(path.join(layersDir, `gtt-${layerKey([...gtKey, THUMB_SIZE])}.png`), async () =>
            renderOverlayThumbPng(await groundTruth(index, sample), index.mapper.classes),
          ),
        roots: cacheRoots,
      };
    case 'gtIndex':
      return {
        sources: [mask],
        produce: () =>
          cached(path.join(layersDir, `gti-${layerKey(gtKey)}.png`), async () => {
            const gt = await groundTruth(index, sample);
            // b-w keeps one channel: the renderer reads pixel values as training indices.
            return sharp(gt.label, { raw: { width: gt.width, height: gt.height, channels: 1 } })
              .toColourspace('b-w')
              .png()
              .toBuffer();
          }),
        roots: cacheRoots,
      };
    case 'pred':
    case 'predIndex':
    case 'error': {
      if (!run) return null;
      const pred = predictionFile(project, run, split, id);
      if (!pred) return null;
      // A prediction is made from the image: one of an image outside the dataset is not shown.
      const sources = [
        image,
        mask,
        { file: pred.file, roots: [project.runsDir, project.cacheDir] },
      ];
      if (layer === 'predIndex' && pred.encoding === 'training') {
        return { sources, produce: () => Promise.resolve(pred.file), roots: [project.runsDir] };
      }
      return {
        sources,
        produce: () => renderPredictionLayer(index, sample, pred, layer, layersDir, gtKey),
        roots: cacheRoots,
      };
    }
    default:
      return null;
  }
}

async function renderPredictionLayer(
  index: DatasetIndex,
  sample: SampleRecord,
  pred: PredictionFile,
  layer: 'pred' | 'predIndex' | 'error',
  layersDir: string,
  gtKey: readonly string[],
): Promise<string> {
  const { mtimeMs } = await fs.stat(pred.file);
  const key = layerKey([layer, pred.file, mtimeMs, ...gtKey]);
  return cached(path.join(layersDir, `${layer}-${key}.png`), async () => {
    const gt = await groundTruth(index, sample);
    const predicted = await readPrediction(index, pred, gt.width, gt.height);
    if (layer === 'pred') return renderMaskPng(predicted, index.mapper.classes);
    if (layer === 'predIndex') {
      return sharp(predicted.label, { raw: { width: gt.width, height: gt.height, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer();
    }
    return sharp(errorMapRgb(gt, predicted), {
      raw: { width: gt.width, height: gt.height, channels: 3 },
    })
      .png()
      .toBuffer();
  });
}
