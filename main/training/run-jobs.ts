/**
 * The jobs a worker runs on a run's trained model, each on one checkpoint slot and each taking
 * an options object: evaluate a split, export the model (folder or ZIP), predict a split or a
 * folder into a ZIP of masks. Run in short-lived worker processes (worker-job.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CheckpointKind } from '../../shared/contracts/common';
import type { ArchiveResult } from '../../shared/worker/protocol';
import { isImageName } from '../dataset/dir-cache';
import { evaluateModel, type EvalResult } from '../engine/evaluate';
import { exportModel, exportModelArchive } from '../engine/export';
import { modelsAtScales, scalesOf } from '../engine/test-time';
import { getTf } from '../native/backend';
import { encodeDatasetMask, encodeOverlay, forEachPrediction, uniqueStem } from '../engine/predict';
import { writeFileAtomic } from '../fs/atomic';
import { createZip, type ZipEntry } from '../fs/zip';
import { createMaskWriter, type WrittenMasks } from './eval-masks';
import { openRunDataset, splitSource } from './run-dataset';
import { readRunFile } from './run-folder';
import { restoreModel, runManifestFields } from './run-model';

/** Reports `done` of `total` items (images, or bytes of an export). */
export type JobProgress = (done: number, total: number) => void;

export interface EvaluateRunOptions {
  readonly runDir: string;
  readonly from: CheckpointKind;
  readonly split: string;
  readonly onProgress?: JobProgress;
}

export type RunEvaluation = EvalResult & {
  readonly checkpoint: CheckpointKind;
  readonly note: string | null;
  readonly masks: WrittenMasks;
};

/**
 * Evaluates a run's checkpoint on a split of its dataset (annotation resolution), keeping each
 * image's predicted mask in the run folder (see eval-masks.ts) so the viewer needs no second
 * predict pass.
 */
export async function evaluateRun(options: EvaluateRunOptions): Promise<RunEvaluation> {
  const { runDir, from, split, onProgress } = options;
  const run = await readRunFile(runDir);
  const index = await openRunDataset(run);
  const source = splitSource(index, split, 'evaluation');
  const restored = await restoreModel({ runDir, from });
  const masks = await createMaskWriter(runDir, split);
  const { testTimeFlip, testTimeScales } = restored.config;
  const scaled = modelsAtScales(
    getTf(),
    restored.model,
    restored.config,
    source.classes.length,
    testTimeScales,
  );
  try {
    const result = await evaluateModel(restored.model, source, {
      normalization: restored.config.normalization,
      batchSize: Math.min(8, restored.config.batchSize),
      flip: testTimeFlip,
      scaled,
      ...(onProgress && { onProgress }),
      onPrediction: (sampleIndex, prediction) =>
        masks.write(source.sampleId(sampleIndex), prediction),
    });
    const count = await masks.commit();
    return {
      ...result,
      ...(testTimeFlip && { testTimeFlip: true }),
      ...(scaled.length > 0 && { testTimeScales: scalesOf(scaled) }),
      checkpoint: restored.checkpoint,
      note: [restored.note, index.unlabeledNote(split)].filter(Boolean).join('; ') || null,
      masks: {
        checkpointCreatedAt: restored.manifest.createdAt,
        globalStep: restored.manifest.globalStep,
        count,
      },
    };
  } finally {
    await masks.discard();
    restored.model.dispose();
    for (const m of scaled) m.model.dispose();
  }
}

export interface ExportRunOptions {
  readonly runDir: string;
  readonly from: CheckpointKind;
  /**
   * A folder (`target` is the folder), one stored ZIP (`target` is the file), or ONNX
   * (`target` is the .onnx file; its `.segstudio.json` sidecar is written beside it).
   */
  readonly format: 'folder' | 'archive' | 'onnx';
  readonly target: string;
  readonly onProgress?: JobProgress;
}

/** Exports a run's checkpoint as a tfjs Layers model or ONNX, + segstudio.json (`runManifestFields`). */
export async function exportRun(options: ExportRunOptions): Promise<ArchiveResult> {
  const { runDir, from, format, target, onProgress } = options;
  const run = await readRunFile(runDir);
  const index = await openRunDataset(run);
  const restored = await restoreModel({ runDir, from });
  try {
    const fields = runManifestFields({ run, index, restored });
    if (format === 'onnx') {
      // Loaded on use: the protobuf definition is needed by this format only.
      const { exportOnnx } = await import('../engine/onnx/export');
      const out = await exportOnnx(restored.model, fields, target, {
        ...(onProgress && { onProgress }),
      });
      return { path: out.path, bytes: out.bytes, count: 2, note: restored.note };
    }
    if (format === 'archive') {
      const out = await exportModelArchive(restored.model, fields, target, onProgress);
      return { path: out.path, bytes: out.bytes, count: 3, note: restored.note };
    }
    const out = await exportModel(restored.model, fields, target, onProgress);
    return { path: out.dir, bytes: out.bytes, count: out.files.length, note: restored.note };
  } finally {
    restored.model.dispose();
  }
}

/** The images directly inside `folder` (sorted; sub-folders are not entered), never empty. */
async function folderImages(folder: string): Promise<string[]> {
  const dir = path.resolve(folder);
  const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    const why =
      err.code === 'ENOENT'
        ? 'does not exist'
        : err.code === 'ENOTDIR'
          ? 'is a file, not a folder'
          : err.message;
    throw new Error(`Cannot predict the folder ${dir}: it ${why}`);
  });
  const images = names.filter(isImageName).sort();
  if (images.length === 0) {
    throw new Error(`Cannot predict the folder ${dir}: it holds no images (.png, .jpg, .bmp, …)`);
  }
  return images.map((name) => path.join(dir, name));
}

export interface PredictRunOptions {
  readonly runDir: string;
  readonly from: CheckpointKind;
  /** The split to predict; ignored when `folder` is given. */
  readonly split: string;
  /** Images to predict instead of the split (only the folder's own files, not sub-folders). */
  readonly folder?: string;
  /** Masks in the dataset's own encoding, or colour overlays. */
  readonly encoding: 'dataset' | 'color';
  /** The ZIP file to write. */
  readonly archive: string;
  readonly onProgress?: JobProgress;
}

/**
 * Predicts every image of a split, or of `folder` when given, and writes one stored ZIP:
 * masks in the dataset's own encoding, or colour overlays. Input images are only read; the
 * PNGs are made in memory and only the archive is written.
 */
export async function predictRun(options: PredictRunOptions): Promise<ArchiveResult> {
  const { runDir, from, split, folder, encoding, archive, onProgress } = options;
  const run = await readRunFile(runDir);
  const index = await openRunDataset(run);
  const images = folder
    ? await folderImages(folder)
    : (() => {
        const source = splitSource(index, split, 'prediction');
        return Array.from({ length: source.count }, (_, i) => source.imagePath(i));
      })();
  const restored = await restoreModel({ runDir, from });
  try {
    const fields = runManifestFields({ run, index, restored });
    const manifest = {
      classes: fields.classes,
      maskEncoding: index.descriptor.encoding,
      ...(index.descriptor.rgbMapping && { rgbMapping: index.descriptor.rgbMapping }),
      normalization: restored.config.normalization,
    };
    // Only the kind asked for is encoded, straight into the archive's entries: no files per
    // image (each one fsynced) to read back; the archive alone is written, atomically.
    const entries: ZipEntry[] = [];
    const used = new Set<string>();
    await forEachPrediction(
      restored.model,
      manifest,
      images,
      async (predicted) => {
        entries.push({
          name: `${uniqueStem(predicted.file, used)}.png`,
          data:
            encoding === 'dataset'
              ? await encodeDatasetMask(predicted.map, manifest)
              : await encodeOverlay(predicted, manifest),
        });
      },
      onProgress ? { onProgress } : {},
    );
    const zip = createZip(entries);
    await writeFileAtomic(archive, zip);
    return { path: archive, bytes: zip.length, count: entries.length, note: restored.note };
  } finally {
    restored.model.dispose();
  }
}
