/**
 * Model-driven labelling jobs on a project's labels (CLI `labels prelabel|rank`, the labels
 * service): pre-label drafts from a run's prediction, and rank samples by the model's
 * uncertainty for "label next". A draft is written only where no person has labelled: an
 * unlabeled sample, or a draft that itself came from a prediction; a save racing a person's
 * save loses (revision check) and the sample is skipped.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { LabelState, RankedSample } from '../../shared/contracts/labels';
import { decodeRgb } from '../dataset/decode';
import type { DatasetIndex } from '../dataset/index';
import type { PredictionManifest } from '../engine/predict';
import { predictWithUncertainty } from '../engine/predict-uncertainty';
import { LabelsError } from '../labels/errors';
import { mayPrelabel } from '../labels/drafts';
import { labelableSamples, stateOf } from '../labels/samples';
import type { LabelStore } from '../labels/store';

export interface LabelModel {
  readonly model: tfjs.LayersModel;
  readonly manifest: PredictionManifest;
  /** `prediction:<run>@<checkpoint>`, recorded as the draft's source. */
  readonly tag: string;
}

export interface LabelJobOptions {
  readonly split?: string;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Dataset ids of a predicted label map (training indices -> the classes' ids). */
export function idsOfPrediction(
  label: Uint8Array,
  manifest: PredictionManifest,
): Uint8Array | Uint16Array {
  const ids = manifest.classes.some((c) => c.id > 255)
    ? new Uint16Array(label.length)
    : new Uint8Array(label.length);
  const lut = manifest.classes.map((c) => c.id);
  for (let i = 0; i < label.length; i++) ids[i] = lut[label[i]!] ?? 0;
  return ids;
}

export async function prelabel(
  index: DatasetIndex,
  store: LabelStore,
  model: LabelModel,
  options: LabelJobOptions = {},
): Promise<{ drafted: number; skipped: number }> {
  const candidates = labelableSamples(index, options.split);
  let drafted = 0;
  let skipped = 0;
  let done = 0;
  for (const record of candidates) {
    if (!mayPrelabel(store, index, record)) {
      skipped++;
    } else {
      const revision = store.entry(record.split, record.id)?.revision ?? 0;
      const image = await decodeRgb(record.image);
      const predicted = await predictWithUncertainty(model.model, model.manifest, image);
      try {
        await store.save({
          split: record.split,
          id: record.id,
          mask: {
            width: image.width,
            height: image.height,
            ids: idsOfPrediction(predicted.label, model.manifest),
          },
          baseRevision: revision,
          source: model.tag,
          state: 'draft',
          datasetSha256: null,
        });
        drafted++;
      } catch (err) {
        if (!(err instanceof LabelsError && err.code === 'label_conflict')) throw err;
        skipped++; // a person saved meanwhile: theirs stands
      }
    }
    options.onProgress?.(++done, candidates.length);
  }
  return { drafted, skipped };
}

const RANKED_STATES: readonly LabelState[] = ['unlabeled', 'draft'];

export async function rank(
  index: DatasetIndex,
  store: LabelStore,
  model: LabelModel,
  options: LabelJobOptions = {},
): Promise<RankedSample[]> {
  const candidates = labelableSamples(index, options.split).filter((r) =>
    RANKED_STATES.includes(stateOf(index, store, r)),
  );
  const ranked: RankedSample[] = [];
  let done = 0;
  for (const record of candidates) {
    const image = await decodeRgb(record.image);
    const predicted = await predictWithUncertainty(model.model, model.manifest, image);
    ranked.push({
      split: record.split,
      id: record.id,
      state: stateOf(index, store, record),
      entropy: predicted.meanEntropy,
    });
    options.onProgress?.(++done, candidates.length);
  }
  return ranked.sort((a, b) => b.entropy - a.entropy || a.id.localeCompare(b.id));
}
