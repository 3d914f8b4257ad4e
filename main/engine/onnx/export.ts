/**
 * `FILE.onnx` + `FILE.segstudio.json`: a trained model as one ONNX file (opset 17) and the
 * sidecar that says how to feed it (layout, normalisation) and read it (classes, ids, colours).
 * The sidecar's text is also stored in the model's metadata (`segstudio.json` key), so the
 * .onnx alone is enough. Both files are written atomically, the model first.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { writeFileAtomic } from '../../fs/atomic';
import { appVersion } from '../../paths';
import { buildManifest, type ExportProgress, type ManifestFields } from '../export';
import { ModelManifest, onnxSidecarPath } from '../export-manifest';
import { layersModelToOnnx, onnxSignature, type OnnxLayout } from './convert';
import { ONNX_IR_VERSION, ONNX_OPSET } from './graph';

export type { OnnxLayout } from './convert';
export { UnsupportedLayerError } from './convert';
export { onnxSidecarPath } from '../export-manifest';

export interface OnnxExportOptions {
  /** Layout of the graph's input and output (default NCHW, the ONNX convention). */
  readonly layout?: OnnxLayout;
  /** Steps: each layer translated, the encoding, the two file writes. */
  readonly onProgress?: ExportProgress;
}

export interface OnnxExport {
  /** Absolute path of the .onnx file. */
  readonly path: string;
  /** Absolute path of its `segstudio.json` sidecar. */
  readonly sidecar: string;
  /** Bytes of the .onnx file. */
  readonly bytes: number;
  readonly nodes: number;
  readonly manifest: ModelManifest;
}

async function assertWritableFile(file: string): Promise<void> {
  if (!/\.onnx$/i.test(file)) throw new Error(`${file}: an ONNX export must be a .onnx file`);
  const stat = await fs.stat(file).catch(() => null);
  if (stat?.isDirectory()) throw new Error(`${file} is a folder; name the .onnx file to write`);
}

/** Exports `model` as `file` (.onnx) and its sidecar; see the module comment. */
export async function exportOnnx(
  model: tfjs.LayersModel,
  fields: ManifestFields,
  file: string,
  options: OnnxExportOptions = {},
): Promise<OnnxExport> {
  const target = path.resolve(file);
  await assertWritableFile(target);
  const layout = options.layout ?? 'NCHW';
  const base = buildManifest(model, fields);
  const manifest = ModelManifest.parse({
    ...base,
    onnx: {
      file: path.basename(target),
      opset: ONNX_OPSET,
      irVersion: ONNX_IR_VERSION,
      layout,
      ...onnxSignature(model, layout),
    },
  });
  const sidecarText = `${JSON.stringify(manifest, null, 2)}\n`;
  const total = model.layers.length + 3;
  options.onProgress?.(0, total);
  const graph = layersModelToOnnx(model, {
    layout,
    producerVersion: appVersion(),
    docString: `Seg Studio ${base.preset} model: ${base.classes.length} classes, ${base.input.width}x${base.input.height} input, ${layout} logits`,
    metadata: { 'segstudio.json': sidecarText },
    onLayer: (done) => options.onProgress?.(done, total),
  });
  options.onProgress?.(model.layers.length + 1, total);
  await writeFileAtomic(target, graph.bytes);
  options.onProgress?.(model.layers.length + 2, total);
  const sidecar = onnxSidecarPath(target);
  await writeFileAtomic(sidecar, sidecarText);
  options.onProgress?.(total, total);
  return { path: target, sidecar, bytes: graph.bytes.length, nodes: graph.nodes, manifest };
}
