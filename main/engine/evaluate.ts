/**
 * Metrics of a model on a split: `evaluateModel` at the annotations' own resolution (the
 * report's mIoU, per-class and per-image IoU, confusion matrix), `validateModel` at the model's
 * input size with the training loss (per-epoch validation).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { EvalReport, PerClassMetric, PerImageMetric } from '../../shared/contracts/evaluation';
import { ConfusionMatrix, imageMetrics, summarize } from '../../shared/metrics/confusion';
import type { NormalizationConfig } from '../../shared/training/config';
import { resizeNearest } from '../dataset/sample-source';
import { IGNORE_LABEL, type DecodedSample, type SampleSource } from '../dataset/source';
import { getTf, type Tf } from '../native/backend';
import { resizeRgb } from './predict-input';
import { scaledInputs, testTimeLogits, type ScaledModel } from './test-time';

/**
 * Where metrics are computed. `original` (default) is what papers report: logits are upsampled
 * bilinearly (half-pixel centres, like PyTorch's align_corners=False) to each annotation's own
 * size and compared with the untouched annotation. `model` compares at the network's input size
 * against nearest-resized labels: faster, used for quick per-epoch validation if needed.
 */
export type EvalResolution = 'original' | 'model';

export interface EvaluateOptions {
  readonly normalization: NormalizationConfig;
  readonly batchSize?: number;
  readonly resolution?: EvalResolution;
  /** Memory bound for upsampling logits, see MAX_UPSAMPLED_LOGITS. */
  readonly maxUpsampledLogits?: number;
  /**
   * Test-time flip: the logits are the mean of the image's and its mirror's (mirrored back).
   * Twice the inference for a prediction that no longer depends on which way the scene faces.
   */
  readonly flip?: boolean;
  /**
   * Multi-scale testing: copies of the model at other input sizes (test-time.ts), whose
   * logits are averaged with the model's. Only at `original` resolution, without `loss`.
   */
  readonly scaled?: readonly ScaledModel[];
  /** Evaluate only the first N samples (quick checks). */
  readonly limit?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** Checked between batches; when it returns true evaluation stops with an error. */
  readonly shouldCancel?: () => boolean;
  /**
   * Also compute the loss (see `validateModel`) with these per-class weights (null =
   * unweighted). Only at `model` resolution, where logits and labels share a grid.
   */
  readonly loss?: { readonly classWeights: readonly number[] | null };
  /**
   * Receives each image's predicted label map (training indices, at the resolution metrics are
   * computed at: the annotation's own size for `original`), so callers can keep the masks the
   * evaluation already computed instead of predicting the split a second time.
   */
  readonly onPrediction?: (sampleIndex: number, prediction: PredictedLabels) => Promise<void>;
  /**
   * Set: a sample that fails to decode is left out (counted nowhere, never replaced by another,
   * which would count that one twice) and reported here. Unset: the evaluation fails naming it.
   */
  readonly onUndecodable?: (sampleIndex: number, error: unknown) => void;
}

/** One image's argmax over the classes, row-major. */
export interface PredictedLabels {
  readonly width: number;
  readonly height: number;
  readonly label: Uint8Array;
}

/** EvalReport without what the caller adds (run name, checkpoint, timestamp, its note). */
export type EvalResult = Omit<EvalReport, 'runName' | 'checkpoint' | 'evaluatedAt' | 'note'>;

export class EvaluationCancelled extends Error {
  constructor() {
    super('evaluation cancelled');
    this.name = 'EvaluationCancelled';
  }
}

export function modelInputSize(model: tfjs.LayersModel): { width: number; height: number } {
  const shape = model.inputs[0]?.shape;
  const height = shape?.[1];
  const width = shape?.[2];
  if (typeof height !== 'number' || typeof width !== 'number' || shape?.[3] !== 3) {
    throw new Error(
      `model input must be [batch, height, width, 3] with a fixed size, got ${JSON.stringify(shape)}`,
    );
  }
  return { width, height };
}

export function modelNumClasses(model: tfjs.LayersModel): number {
  const shape = model.outputs[0]?.shape;
  const classes = shape?.[shape.length - 1];
  if (typeof classes !== 'number' || shape?.length !== 4) {
    throw new Error(
      `model output must be logits [batch, height, width, classes], got ${JSON.stringify(shape)}`,
    );
  }
  return classes;
}

interface LoadedBatch {
  /** The sample indices that loaded (all requested unless `onUndecodable` dropped some). */
  readonly indices: readonly number[];
  readonly inputs: readonly DecodedSample[];
  /** Labels at the resolution metrics are computed at. */
  readonly labels: readonly DecodedSample[];
  /** Inputs of each scaled model (multi-scale testing), in `scaled` order. */
  readonly perScaled: readonly (readonly DecodedSample[])[];
}

/**
 * Decodes each sample once, at its own size, and derives the model input (bilinear, as the
 * source would) and, for `model` resolution, the nearest-resized labels.
 */
async function loadBatch(
  source: SampleSource,
  requested: readonly number[],
  size: { width: number; height: number },
  resolution: EvalResolution,
  onUndecodable: EvaluateOptions['onUndecodable'],
  scaled: readonly ScaledModel[],
): Promise<LoadedBatch> {
  const settled = await Promise.all(
    requested.map((i) =>
      source.load(i).then(
        (sample) => ({ i, sample }),
        (error: unknown) => {
          if (!onUndecodable) throw error;
          onUndecodable(i, error);
          return null;
        },
      ),
    ),
  );
  const kept = settled.filter((s) => s !== null);
  const originals = kept.map((s) => s.sample);
  const inputs = await Promise.all(
    originals.map(async (s) => ({
      ...s,
      ...size,
      image: await resizeRgb(s.image, s.width, s.height, size),
    })),
  );
  const labels =
    resolution === 'original'
      ? originals
      : originals.map((s) => ({
          ...s,
          ...size,
          label: resizeNearest(s.label, s.width, s.height, size.width, size.height),
        }));
  const perScaled = await scaledInputs(originals, scaled);
  return { indices: kept.map((s) => s.i), inputs, labels, perScaled };
}

/**
 * Above this many logits (H * W * classes) per annotation, the prediction is upsampled as an
 * argmax map (nearest) rather than as logits (bilinear), to bound memory on large images.
 */
export const MAX_UPSAMPLED_LOGITS = 64 * 2 ** 20;

/**
 * Flat C*C confusion counts of one image, computed with tf ops: bincount of gt*C+pred over
 * the non-void pixels (void pixels get weight 0). With `keepPrediction`, also the label map.
 */
function imageConfusion(
  tf: Tf,
  logits: tfjs.Tensor4D,
  label: DecodedSample,
  numClasses: number,
  maxUpsampledLogits: number,
  keepPrediction: boolean,
): { counts: Float32Array; prediction: Uint8Array | null } {
  let prediction: Uint8Array | null = null;
  const counts = tf.tidy(() => {
    const [, h, w] = logits.shape;
    const size: [number, number] = [label.height, label.width];
    let predMap: tfjs.Tensor;
    if (h === label.height && w === label.width) predMap = tf.argMax(logits, -1);
    else if (label.height * label.width * numClasses <= maxUpsampledLogits) {
      predMap = tf.argMax(tf.image.resizeBilinear(logits, size, false, true), -1);
    } else {
      // Huge annotation x many classes: upsample the argmax instead of the logits.
      const argmax = tf.argMax(logits, -1).expandDims<tfjs.Tensor4D>(-1).toFloat();
      predMap = tf.image.resizeNearestNeighbor(argmax, size, false, true);
    }
    const pred = predMap.reshape<tfjs.Tensor1D>([-1]).toInt();
    const gt = tf.tensor1d(Int32Array.from(label.label), 'int32');
    const valid = tf.notEqual<tfjs.Tensor1D>(gt, IGNORE_LABEL);
    const flat = tf.add<tfjs.Tensor1D>(tf.mul(gt, tf.scalar(numClasses, 'int32')), pred);
    const index = tf.where<tfjs.Tensor1D>(valid, flat, tf.zerosLike(flat));
    const bins = tf.bincount(index, valid.toFloat(), numClasses * numClasses);
    // Class indices stay below 255 (the void value), so one byte per pixel holds them.
    if (keepPrediction) prediction = Uint8Array.from(pred.dataSync());
    return bins.dataSync() as Float32Array;
  });
  return { counts, prediction };
}

function checkLabel(sample: DecodedSample, numClasses: number, path: string): void {
  for (const v of sample.label) {
    if (v !== IGNORE_LABEL && v >= numClasses) {
      throw new Error(`${path}: label value ${v} is outside the model's ${numClasses} classes`);
    }
  }
}

/**
 * Evaluates a segmentation model (logits [B,H,W,C]) on every sample of `source`. Images are
 * resized to the model's input size by the source (sharp); see EvalResolution for where the
 * comparison happens. Allocates no tensors that outlive the call.
 */
export async function evaluateModel(
  model: tfjs.LayersModel,
  source: SampleSource,
  options: EvaluateOptions,
): Promise<EvalResult> {
  return (await runEvaluation(model, source, options)).result;
}

/**
 * Per-epoch validation: the metrics of `evaluateModel` at `model` resolution plus the
 * validation loss, the training loss's masked weighted softmax cross-entropy (void pixels
 * weigh 0, other pixels their class weight) over the nearest-resized labels, averaged over the
 * weights of the whole split (the training loss averages per batch; the two are comparable).
 * Validation images are not augmented. `loss` is null when the split has no non-void pixel.
 */
export async function validateModel(
  model: tfjs.LayersModel,
  source: SampleSource,
  options: Omit<EvaluateOptions, 'resolution' | 'loss'> & {
    readonly classWeights: readonly number[] | null;
  },
): Promise<{ readonly result: EvalResult; readonly loss: number | null }> {
  const { classWeights, ...rest } = options;
  return runEvaluation(model, source, { ...rest, resolution: 'model', loss: { classWeights } });
}

async function runEvaluation(
  model: tfjs.LayersModel,
  source: SampleSource,
  options: EvaluateOptions,
): Promise<{ result: EvalResult; loss: number | null }> {
  const tf = getTf();
  const size = modelInputSize(model);
  const numClasses = modelNumClasses(model);
  if (numClasses !== source.classes.length) {
    throw new Error(
      `the model predicts ${numClasses} classes but split "${source.split}" has ${source.classes.length}`,
    );
  }
  const resolution = options.resolution ?? 'original';
  if (options.loss && resolution !== 'model') {
    throw new Error('the validation loss is computed at model resolution only');
  }
  const scaled = options.scaled ?? [];
  if (scaled.length > 0 && (resolution !== 'original' || options.loss)) {
    throw new Error("multi-scale testing scores at the annotations' resolution, without a loss");
  }
  const lossSums = { weighted: 0, weights: 0 };
  const batchSize = Math.max(1, options.batchSize ?? 4);
  const total = Math.min(source.count, options.limit ?? source.count);
  const overall = new ConfusionMatrix(numClasses);
  const perImage: PerImageMetric[] = [];
  const batches: number[][] = [];
  for (let start = 0; start < total; start += batchSize) {
    batches.push(Array.from({ length: Math.min(batchSize, total - start) }, (_, k) => start + k));
  }

  options.onProgress?.(0, total);
  // Decode the next batch (sharp, off the JS thread) while the current one runs.
  const load = (indices: readonly number[]) =>
    loadBatch(source, indices, size, resolution, options.onUndecodable, scaled);
  let pending = batches[0] ? load(batches[0]) : undefined;
  for (let b = 0; b < batches.length; b++) {
    if (options.shouldCancel?.()) throw new EvaluationCancelled();
    const indices = batches[b]!;
    const batch = await pending!;
    const next = batches[b + 1];
    pending = next ? load(next) : undefined;
    // Keep the rejected-prefetch from surfacing as unhandled if this batch throws.
    pending?.catch(() => undefined);
    if (batch.indices.length === 0) {
      options.onProgress?.(indices[indices.length - 1]! + 1, total);
      continue;
    }

    const logits = testTimeLogits(tf, model, batch.inputs, size, batch.perScaled, {
      normalization: options.normalization,
      flip: options.flip ?? false,
      scaled,
    });
    const predictions: { sampleIndex: number; prediction: PredictedLabels }[] = [];
    try {
      batch.indices.forEach((sampleIndex, k) => {
        const label = batch.labels[k]!;
        checkLabel(label, numClasses, source.imagePath(sampleIndex));
        const one = tf.slice(logits, [k, 0, 0, 0], [1, -1, -1, -1]);
        let counts: Float32Array;
        try {
          if (options.loss) addImageLoss(tf, one, label, options.loss.classWeights, lossSums);
          const computed = imageConfusion(
            tf,
            one,
            label,
            numClasses,
            options.maxUpsampledLogits ?? MAX_UPSAMPLED_LOGITS,
            options.onPrediction !== undefined,
          );
          counts = computed.counts;
          if (computed.prediction) {
            const { width, height } = label;
            predictions.push({
              sampleIndex,
              prediction: { width, height, label: computed.prediction },
            });
          }
        } finally {
          one.dispose();
        }
        const image = new ConfusionMatrix(numClasses);
        image.addCounts(counts);
        overall.add(image);
        perImage.push({ sample: source.sampleId(sampleIndex), ...imageMetrics(image) });
      });
    } finally {
      logits.dispose();
    }
    for (const { sampleIndex, prediction } of predictions) {
      await options.onPrediction?.(sampleIndex, prediction);
    }
    options.onProgress?.(indices[indices.length - 1]! + 1, total);
  }
  const loss = lossSums.weights > 0 ? lossSums.weighted / lossSums.weights : null;
  return { result: buildResult(source, overall, perImage), loss };
}

/**
 * Adds one image's sum of w * -log softmax(logits)[label] and sum of w (w = 0 for void, the
 * class weight or 1 otherwise) to `sums`. Logits and label are at the same resolution.
 */
function addImageLoss(
  tf: Tf,
  logits: tfjs.Tensor4D,
  label: DecodedSample,
  classWeights: readonly number[] | null,
  sums: { weighted: number; weights: number },
): void {
  const [, h, w, numClasses] = logits.shape;
  if (h !== label.height || w !== label.width) {
    throw new Error(
      `loss needs labels at the logits' ${w}x${h}, got ${label.width}x${label.height}`,
    );
  }
  const pixels = h * w;
  const targets = new Int32Array(pixels);
  const weights = new Float32Array(pixels);
  let weightSum = 0;
  for (let p = 0; p < pixels; p++) {
    const l = label.label[p]!;
    if (l === IGNORE_LABEL) continue;
    targets[p] = l;
    const wt = classWeights ? classWeights[l]! : 1;
    weights[p] = wt;
    weightSum += wt;
  }
  if (weightSum === 0) return;
  const weighted = tf.tidy(() => {
    const logp = tf.logSoftmax(tf.reshape(logits, [pixels, numClasses]));
    const picked = tf.gather(logp, tf.tensor2d(targets, [pixels, 1], 'int32'), 1, 1);
    const nll = tf.neg(tf.reshape(picked, [pixels]));
    return tf.sum(tf.mul(nll, tf.tensor1d(weights, 'float32'))).dataSync()[0]!;
  });
  sums.weighted += weighted;
  sums.weights += weightSum;
}

function buildResult(
  source: SampleSource,
  matrix: ConfusionMatrix,
  perImage: PerImageMetric[],
): EvalResult {
  const summary = summarize(matrix);
  const perClass: PerClassMetric[] = summary.perClass.map((m) => {
    const cls = source.classes[m.index]!;
    return {
      id: cls.datasetId,
      index: m.index,
      name: cls.name,
      color: [cls.color[0], cls.color[1], cls.color[2]],
      iou: m.iou,
      accuracy: m.accuracy,
      gtPixels: m.gtPixels,
      predPixels: m.predPixels,
      ...(m.reason === undefined ? {} : { reason: m.reason }),
    };
  });
  return {
    split: source.split,
    mIoU: summary.mIoU,
    pixelAccuracy: summary.pixelAccuracy,
    meanClassAccuracy: summary.meanClassAccuracy,
    perClass,
    confusion: matrix.rows(),
    perImage,
  };
}
