/**
 * The training worker's `labels` job: a run's checkpoint (best unless `from` says) over a
 * project's labelable samples. `rank` returns entropies; `uncertainty` one sample's per-pixel
 * entropy map; `drafts` writes predicted class-id PNGs into a folder the main process gave
 * and lists them, `overlays` thumbnail-sized colour PNGs of chosen samples (Browse), so only the main process writes the project's labels (its saves and a
 * person's are serialised there, and a person's label always wins).
 */
import path from 'node:path';
import type { CheckpointKind } from '../../shared/contracts/common';
import type { DatasetDescriptor } from '../../shared/dataset/descriptor';
import { sourceClasses } from '../dataset/classes';
import { decodeRgb } from '../dataset/decode';
import { renderOverlayThumbPng } from '../dataset/render-mask';
import { openDataset } from '../dataset/open';
import { entropyMap, predictWithUncertainty } from '../engine/predict-uncertainty';
import { writeFileAtomic } from '../fs/atomic';
import { openProjectDataset } from '../labels/open';
import { encodeIdPng } from '../labels/png';
import { labelableSamples, requireSample } from '../labels/samples';
import { restoreModel } from './run-model';
import { mayPrelabel } from '../labels/drafts';
import { idsOfPrediction, rank, type LabelModel } from './label-jobs';
import type { DraftFile, LabelsJobResult } from './label-result';
import { readRunFile } from './run-folder';

/** Entropies as bytes: 0 = certain, 255 = a uniform softmax (`max`). */
export function quantise(entropy: Float32Array, max: number): Uint8Array {
  const out = new Uint8Array(entropy.length);
  const scale = 255 / max;
  for (let i = 0; i < entropy.length; i++) {
    out[i] = Math.min(255, Math.max(0, Math.round(entropy[i]! * scale)));
  }
  return out;
}

export async function labelsJob(
  command: {
    runDir: string;
    projectDir: string;
    descriptor: DatasetDescriptor;
    job: 'rank' | 'drafts' | 'uncertainty' | 'overlays';
    split?: string | undefined;
    outDir?: string | undefined;
    from?: CheckpointKind | undefined;
    sample?: { split: string; id: string } | undefined;
    samples?: { split: string; id: string }[] | undefined;
  },
  onProgress: (done: number, total: number) => void,
): Promise<LabelsJobResult> {
  const run = await readRunFile(command.runDir);
  const descriptor = command.descriptor;
  const { index, store } = await openProjectDataset(command.projectDir, descriptor, () =>
    openDataset(descriptor.root, { descriptor }),
  );
  const restored = await restoreModel({ runDir: command.runDir, from: command.from ?? 'best' });
  try {
    const trained = run.dataset.descriptor ?? descriptor;
    const model: LabelModel = {
      model: restored.model,
      manifest: {
        classes: sourceClasses(trained.classes).map((c) => ({
          index: c.index,
          id: c.datasetId,
          name: c.name,
          color: [...c.color] as [number, number, number],
        })),
        maskEncoding: descriptor.encoding,
        ...(descriptor.rgbMapping && { rgbMapping: descriptor.rgbMapping }),
        normalization: restored.config.normalization,
      },
      tag: `prediction:${run.runName}@${restored.checkpoint}`,
    };
    const split = command.split;
    if (command.job === 'uncertainty') {
      if (!command.sample) throw new Error('the uncertainty job needs a sample');
      const record = requireSample(index, command.sample.split, command.sample.id);
      const map = await entropyMap(model.model, model.manifest, await decodeRgb(record.image));
      onProgress(1, 1);
      return {
        job: 'uncertainty',
        map: {
          width: map.width,
          height: map.height,
          maxEntropy: map.maxEntropy,
          meanEntropy: map.meanEntropy,
          data: Buffer.from(quantise(map.entropy, map.maxEntropy)).toString('base64'),
          checkpoint: restored.checkpoint,
        },
      };
    }
    if (command.job === 'overlays') {
      if (!command.outDir) throw new Error('the overlays job needs an output folder');
      const wanted = command.samples ?? [];
      const files: DraftFile[] = [];
      for (const [n, key] of wanted.entries()) {
        const record = index.findLabelable(key.id, key.split);
        // A sample without a usable image has no prediction; the others still get theirs.
        const image = record ? await decodeRgb(record.image).catch(() => null) : null;
        if (record && image) {
          const predicted = await predictWithUncertainty(model.model, model.manifest, image);
          const file = path.join(command.outDir, `${n}.png`);
          await writeFileAtomic(file, await renderOverlayThumbPng(predicted, index.mapper.classes));
          files.push({ ...key, file });
        }
        onProgress(n + 1, wanted.length);
      }
      return { job: 'overlays', checkpoint: restored.checkpoint, files };
    }
    if (command.job === 'rank') {
      return {
        job: 'rank',
        samples: await rank(index, store, model, { ...(split && { split }), onProgress }),
      };
    }
    if (!command.outDir) throw new Error('the drafts job needs an output folder');
    const all = labelableSamples(index, split);
    const candidates = all.filter((r) => mayPrelabel(store, index, r));
    const drafts: DraftFile[] = [];
    for (const [n, record] of candidates.entries()) {
      const image = await decodeRgb(record.image);
      const predicted = await predictWithUncertainty(model.model, model.manifest, image);
      const file = path.join(command.outDir, `${n}.png`);
      const ids = idsOfPrediction(predicted.label, model.manifest);
      await writeFileAtomic(file, await encodeIdPng(ids, image.width, image.height));
      drafts.push({ split: record.split, id: record.id, file });
      onProgress(n + 1, candidates.length);
    }
    return { job: 'drafts', tag: model.tag, drafts, skipped: all.length - candidates.length };
  } finally {
    restored.model.dispose();
  }
}
