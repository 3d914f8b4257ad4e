/**
 * Export / import of models in the TensorFlow.js Layers format (`model.json` + one weights
 * shard, loadable by `tf.loadLayersModel` in Node and in a browser) plus `segstudio.json`.
 * The same writer serves the native and the pure-JS backend (tf.io.withSaveHandler), and the
 * folder is written under a temp name, fsynced and renamed, so a crash leaves no half export.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic';
import { createZip, readZip } from '../fs/zip';
import { getTf } from '../native/backend';
import { modelInputSize, modelNumClasses } from './evaluate';
import { fsyncDir, writeFileDurable } from '../fs/atomic';
import {
  MODEL_JSON_FILE,
  MODEL_MANIFEST_FILE,
  MODEL_WEIGHTS_FILE,
  ModelManifest,
  type ModelManifestInput,
} from './export-manifest';

export type ManifestFields = Omit<ModelManifestInput, 'format' | 'version' | 'exportedAt' | 'onnx'>;

export interface ExportedModel {
  readonly dir: string;
  readonly files: readonly string[];
  readonly bytes: number;
  readonly manifest: ModelManifest;
}

/** Called after each export step (serialise, each file or the archive, final rename). */
export type ExportProgress = (done: number, total: number) => void;

export interface ImportedModel {
  readonly model: tfjs.LayersModel;
  readonly manifest: ModelManifest;
}

/** What `model.json` must contain for us to load it (the standard Layers format). */
const ModelJson = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  format: z.string().optional(),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string()),
        weights: z.array(
          z.object({
            name: z.string(),
            shape: z.array(z.number().int()),
            dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']),
          }),
        ),
      }),
    )
    .min(1),
});

function toBuffer(data: tfjs.io.WeightData | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}

/** The model's topology and weights as the standard Layers-format files. */
async function layersModelFiles(
  model: tfjs.LayersModel,
): Promise<{ modelJson: string; weights: Buffer }> {
  const tf = getTf();
  let captured: tfjs.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      captured = artifacts;
      return Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) });
    }),
  );
  if (!captured?.modelTopology || !captured.weightSpecs) {
    throw new Error('model.save produced no topology or weights');
  }
  const modelJson = {
    modelTopology: captured.modelTopology,
    format: captured.format ?? 'layers-model',
    generatedBy: captured.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: 'Seg Studio',
    ...(captured.trainingConfig ? { trainingConfig: captured.trainingConfig } : {}),
    weightsManifest: [{ paths: [`./${MODEL_WEIGHTS_FILE}`], weights: captured.weightSpecs }],
  };
  return { modelJson: JSON.stringify(modelJson), weights: toBuffer(captured.weightData) };
}

/** `segstudio.json` for `model`, checked against the model's input size and class count. */
export function buildManifest(model: tfjs.LayersModel, fields: ManifestFields): ModelManifest {
  const manifest = ModelManifest.parse({
    ...fields,
    format: 'segstudio-model',
    version: 1,
    exportedAt: new Date().toISOString(),
  });
  const input = modelInputSize(model);
  if (input.width !== manifest.input.width || input.height !== manifest.input.height) {
    throw new Error(
      `manifest input ${manifest.input.width}x${manifest.input.height} does not match the model's ${input.width}x${input.height}`,
    );
  }
  const classes = modelNumClasses(model);
  if (classes !== manifest.classes.length) {
    throw new Error(
      `manifest lists ${manifest.classes.length} classes, the model predicts ${classes}`,
    );
  }
  manifest.classes.forEach((c, i) => {
    if (c.index !== i) throw new Error(`manifest class ${i} has index ${c.index}; expected ${i}`);
  });
  return manifest;
}

/** Only an earlier export (or an empty folder) may be replaced; anything else is the user's. */
async function assertReplaceable(dir: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new Error(`${dir}: cannot be used as the export folder (${(err as Error).message})`);
  }
  if (entries.length > 0 && !entries.includes(MODEL_MANIFEST_FILE)) {
    throw new Error(`${dir} exists and is not a Seg Studio model export; refusing to replace it`);
  }
  return true;
}

/** Writes `files` as folder `dir` atomically: temp sibling folder, fsync, rename. */
async function writeFolderAtomic(
  dir: string,
  files: Record<string, string | Uint8Array>,
  onFileDone: () => void,
): Promise<void> {
  const parent = path.dirname(dir);
  await fs.mkdir(parent, { recursive: true });
  const exists = await assertReplaceable(dir);
  const tag = randomBytes(6).toString('hex');
  const temp = path.join(parent, `.${path.basename(dir)}.${tag}.tmp`);
  await fs.mkdir(temp);
  try {
    for (const [name, data] of Object.entries(files)) {
      await writeFileDurable(path.join(temp, name), data);
      onFileDone();
    }
    await fsyncDir(temp);
    if (exists) {
      const old = path.join(parent, `.${path.basename(dir)}.${tag}.old`);
      await fs.rename(dir, old);
      await fs.rename(temp, dir);
      await fs.rm(old, { recursive: true, force: true });
    } else {
      await fs.rename(temp, dir);
    }
    await fsyncDir(parent);
  } catch (err) {
    await fs.rm(temp, { recursive: true, force: true });
    throw err;
  }
}

async function exportFiles(
  model: tfjs.LayersModel,
  fields: ManifestFields,
): Promise<{ manifest: ModelManifest; files: Record<string, string | Uint8Array> }> {
  const manifest = buildManifest(model, fields);
  const { modelJson, weights } = await layersModelFiles(model);
  return {
    manifest,
    files: {
      [MODEL_JSON_FILE]: modelJson,
      [MODEL_WEIGHTS_FILE]: weights,
      [MODEL_MANIFEST_FILE]: `${JSON.stringify(manifest, null, 2)}\n`,
    },
  };
}

function sizeOf(files: Record<string, string | Uint8Array>): number {
  return Object.values(files).reduce((n, d) => n + Buffer.byteLength(d), 0);
}

/** Counts finished steps out of a fixed total, reporting 0 first so the bar appears at once. */
function stepCounter(total: number, onProgress: ExportProgress | undefined): () => void {
  let done = 0;
  onProgress?.(0, total);
  return () => {
    done = Math.min(total, done + 1);
    onProgress?.(done, total);
  };
}

/** Three files: model.json, weights.bin, segstudio.json. */
const EXPORT_FILE_COUNT = 3;

/**
 * Exports `model` to folder `dir` (model.json, weights.bin, segstudio.json). Progress steps:
 * serialise the model, write each of the three files, rename the folder into place.
 */
export async function exportModel(
  model: tfjs.LayersModel,
  fields: ManifestFields,
  dir: string,
  onProgress?: ExportProgress,
): Promise<ExportedModel> {
  const step = stepCounter(EXPORT_FILE_COUNT + 2, onProgress);
  const { manifest, files } = await exportFiles(model, fields);
  step();
  const target = path.resolve(dir);
  await writeFolderAtomic(target, files, step);
  step();
  return {
    dir: target,
    files: Object.keys(files).map((f) => path.join(target, f)),
    bytes: sizeOf(files),
    manifest,
  };
}

/**
 * Exports `model` as one stored ZIP holding the same three files (atomic write). Progress
 * steps: serialise the model, pack the zip entries, write the archive.
 */
export async function exportModelArchive(
  model: tfjs.LayersModel,
  fields: ManifestFields,
  archive: string,
  onProgress?: ExportProgress,
): Promise<{ path: string; bytes: number; manifest: ModelManifest }> {
  const step = stepCounter(3, onProgress);
  const { manifest, files } = await exportFiles(model, fields);
  step();
  const zip = createZip(
    Object.entries(files).map(([name, data]) => ({
      name,
      data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
    })),
  );
  step();
  const target = path.resolve(archive);
  await writeFileAtomic(target, zip);
  step();
  return { path: target, bytes: zip.length, manifest };
}

/** Reads the files of an exported model from a folder or a `.zip` archive. */
async function readExport(location: string): Promise<(name: string) => Promise<Buffer>> {
  const stat = await fs.stat(location).catch(() => {
    throw new Error(`${location}: no such model folder or archive`);
  });
  if (stat.isDirectory()) {
    return async (name) => {
      const file = path.resolve(location, name);
      if (path.relative(location, file).startsWith('..')) {
        throw new Error(
          `${location}/${MODEL_JSON_FILE}: weight path "${name}" leaves the model folder`,
        );
      }
      return fs.readFile(file).catch((err: Error) => {
        throw new Error(`${file}: cannot read (${err.message})`);
      });
    };
  }
  const entries = readZip(await fs.readFile(location));
  const byName = new Map(entries.map((e) => [e.name, Buffer.from(e.data)]));
  return (name) => {
    const data = byName.get(path.posix.normalize(name));
    if (!data) throw new Error(`${location}: archive has no "${name}"`);
    return Promise.resolve(data);
  };
}

function parseJson(text: Buffer, what: string): unknown {
  try {
    return JSON.parse(text.toString('utf8')) as unknown;
  } catch (err) {
    throw new Error(`${what}: not valid JSON (${(err as Error).message})`);
  }
}

/** Loads an exported model (folder or archive) and its manifest. */
export async function importModel(location: string): Promise<ImportedModel> {
  const tf = getTf();
  const where = path.resolve(location);
  const read = await readExport(where);
  const manifestPath = `${where}/${MODEL_MANIFEST_FILE}`;
  const manifestResult = ModelManifest.safeParse(
    parseJson(await read(MODEL_MANIFEST_FILE), manifestPath),
  );
  if (!manifestResult.success) {
    throw new Error(`${manifestPath}: ${z.prettifyError(manifestResult.error)}`);
  }
  const jsonPath = `${where}/${MODEL_JSON_FILE}`;
  const jsonResult = ModelJson.safeParse(parseJson(await read(MODEL_JSON_FILE), jsonPath));
  if (!jsonResult.success) throw new Error(`${jsonPath}: ${z.prettifyError(jsonResult.error)}`);
  const modelJson = jsonResult.data;
  const shards: Buffer[] = [];
  for (const group of modelJson.weightsManifest) {
    for (const p of group.paths) shards.push(await read(p));
  }
  const weights = Buffer.concat(shards);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
    }),
  );
  const manifest = manifestResult.data;
  try {
    buildManifest(model, manifest);
  } catch (err) {
    model.dispose();
    throw new Error(`${manifestPath}: ${(err as Error).message}`);
  }
  return { model, manifest };
}
