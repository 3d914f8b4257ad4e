/**
 * Converter for the seed project's PyTorch checkpoints (`weight21.pt`: a state_dict with
 * torchvision AlexNet `features.*` and a 1x1 `conv_to101.*`) into the `seed-alexnet-fcn`
 * model, so its author can continue that run here. Conv weights go OIHW -> HWIO.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { paletteColor } from '../../shared/dataset/palette';
import { getTf } from '../native/backend';
import { makeTrainingConfig } from './config';
import type { ManifestClass } from './export-manifest';
import type { ManifestFields } from './export';
import { alexnetFcnPytorchMapping, buildModel } from './models';
import { readTorchStateDict, type TorchTensor } from './pytorch/state-dict';

const SEED_CLASSIFIER_KEY = 'conv_to101.weight';

/** Row-major N-d transpose: output axis i is input axis perm[i]. */
export function transpose(
  data: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): Float32Array {
  const rank = shape.length;
  if (perm.length !== rank) throw new Error(`transpose: perm ${perm.join(',')} for rank ${rank}`);
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= shape[d]!;
  }
  const stridesForOut = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < out.length; i++) {
    let at = 0;
    for (let d = 0; d < rank; d++) at += index[d]! * stridesForOut[d]!;
    out[i] = data[at]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < outShape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

/** Number of classes of a seed state_dict (output channels of `conv_to101`). */
function seedNumClasses(stateDict: ReadonlyMap<string, TorchTensor>, file: string): number {
  const w = stateDict.get(SEED_CLASSIFIER_KEY);
  if (!w || w.shape.length !== 4) {
    const keys = [...stateDict.keys()].slice(0, 6).join(', ');
    throw new Error(
      `${file}: no 4-D "${SEED_CLASSIFIER_KEY}" (keys: ${keys}...); not a seed checkpoint`,
    );
  }
  return w.shape[0]!;
}

export interface ConvertedWeights {
  /** Model weights replaced, by tfjs name. */
  readonly loaded: readonly string[];
  /** State-dict keys the model has no place for (e.g. an AlexNet `classifier.*`). */
  readonly ignored: readonly string[];
}

/**
 * Writes the state_dict's tensors into `model`'s weights (matched by the tfjs weight name from
 * the seed mapping). Every mapped model weight must be present with the right shape.
 */
export function applySeedStateDict(
  model: tfjs.LayersModel,
  stateDict: ReadonlyMap<string, TorchTensor>,
  file: string,
): ConvertedWeights {
  const tf = getTf();
  const numClasses = seedNumClasses(stateDict, file);
  const mapping = alexnetFcnPytorchMapping(numClasses);
  const variables = new Map(model.weights.map((w) => [w.originalName, w]));
  const loaded: string[] = [];
  const pending: [tfjs.LayerVariable, Float32Array, number[]][] = [];
  for (const [key, m] of Object.entries(mapping)) {
    const tensor = stateDict.get(key);
    if (!tensor) throw new Error(`${file}: missing "${key}" (needed for ${m.tfjsName})`);
    const variable = variables.get(m.tfjsName);
    if (!variable) throw new Error(`the model has no weight ${m.tfjsName} for "${key}"`);
    const data = m.transpose ? transpose(tensor.data, tensor.shape, m.transpose) : tensor.data;
    const shape = m.transpose ? m.transpose.map((p) => tensor.shape[p]!) : [...tensor.shape];
    if (shape.join('x') !== variable.shape.join('x')) {
      throw new Error(
        `${file}: "${key}" has shape [${tensor.shape.join(', ')}], the model's ${m.tfjsName} needs [${variable.shape.join(', ')}] after transposing`,
      );
    }
    pending.push([variable, data, shape]);
    loaded.push(m.tfjsName);
  }
  // Write only after every check passed, so a bad file leaves the model untouched.
  for (const [variable, data, shape] of pending) {
    const t = tf.tensor(data, shape, 'float32');
    variable.write(t);
    t.dispose();
  }
  const ignored = [...stateDict.keys()].filter((k) => !(k in mapping));
  return { loaded, ignored };
}

export interface SeedImport {
  readonly model: tfjs.LayersModel;
  readonly numClasses: number;
  readonly converted: ConvertedWeights;
  readonly fields: ManifestFields;
}

export interface SeedImportOptions {
  readonly width?: number;
  readonly height?: number;
  /** Expected class count (checked against the file). */
  readonly classes?: number;
  /** Names/ids/colours (e.g. from the dataset); default `class_i`, id i. */
  readonly classList?: readonly ManifestClass[];
  readonly voidId?: number | null;
  readonly maskEncoding?: ManifestFields['maskEncoding'];
  readonly rgbMapping?: ManifestFields['rgbMapping'];
}

/** Reads a seed `.pt` and returns a ready `seed-alexnet-fcn` model plus manifest fields. */
export async function importSeedCheckpoint(
  file: string,
  options: SeedImportOptions = {},
): Promise<SeedImport> {
  const bytes = await fs.readFile(file).catch((err: Error) => {
    throw new Error(`${file}: cannot read (${err.message})`);
  });
  const stateDict = readTorchStateDict(bytes, file);
  const numClasses = seedNumClasses(stateDict, file);
  if (options.classes !== undefined && options.classes !== numClasses) {
    throw new Error(
      `${file}: has ${numClasses} output classes, but ${options.classes} were expected`,
    );
  }
  if (options.classList && options.classList.length !== numClasses) {
    throw new Error(
      `${file}: has ${numClasses} output classes, the dataset has ${options.classList.length} (void excluded)`,
    );
  }
  const config = makeTrainingConfig({
    preset: 'seed-alexnet-fcn',
    inputSize: { width: options.width ?? 240, height: options.height ?? 240 },
  });
  const { model } = buildModel(getTf(), config, numClasses);
  let converted: ConvertedWeights;
  try {
    converted = applySeedStateDict(model, stateDict, file);
  } catch (err) {
    model.dispose();
    throw err;
  }
  const classes =
    options.classList ??
    Array.from({ length: numClasses }, (_, i) => ({
      index: i,
      id: i,
      name: `class_${i}`,
      color: paletteColor(i),
    }));
  const fields: ManifestFields = {
    preset: 'seed-alexnet-fcn',
    classes: [...classes],
    voidId: options.voidId ?? null,
    maskEncoding: options.maskEncoding ?? 'index',
    ...(options.rgbMapping && { rgbMapping: options.rgbMapping }),
    input: config.inputSize,
    normalization: config.normalization,
    metrics: null,
    origin: { importedFrom: path.resolve(file) },
  };
  return { model, numClasses, converted, fields };
}
