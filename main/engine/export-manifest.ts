/**
 * `segstudio.json`, written next to `model.json` in an exported model: everything needed to
 * run the model on new images and write masks the dataset's own way, without the dataset.
 */
import { z } from 'zod';
import { SCORES } from '../../shared/contracts/common';
import { MaskEncoding, RgbMapping } from '../../shared/dataset/descriptor';
import { NormalizationConfig } from '../../shared/training/config';

export const MODEL_MANIFEST_FILE = 'segstudio.json';
export const MODEL_JSON_FILE = 'model.json';
export const MODEL_WEIGHTS_FILE = 'weights.bin';

/** The sidecar of an ONNX export beside its model: `model.onnx` -> `model.segstudio.json`. */
export function onnxSidecarPath(file: string): string {
  return file.replace(/\.onnx$/i, '.segstudio.json');
}

const Channel = z.number().int().min(0).max(255);

export const ManifestClass = z.object({
  /** Training index = output channel of the logits. */
  index: z.number().int().min(0),
  /** The id the dataset uses for this class (pixel value, palette index, red value, ...). */
  id: z.number().int(),
  name: z.string(),
  color: z.tuple([Channel, Channel, Channel]),
});
export type ManifestClass = z.infer<typeof ManifestClass>;

export const ManifestMetrics = z.object({
  split: z.string(),
  ...SCORES,
  /**
   * True when these scores average each image's logits with its mirror's (the run's
   * `testTimeFlip`): one plain forward pass of the exported model scores somewhat lower.
   */
  testTimeFlip: z.boolean().optional(),
});
export type ManifestMetrics = z.infer<typeof ManifestMetrics>;

const OnnxValue = z.object({
  name: z.string(),
  /** Dimensions; the string `batch` is dynamic. */
  shape: z.array(z.union([z.number().int().positive(), z.string()])),
});

/** What an ONNX export adds to its sidecar (`FILE.segstudio.json` beside `FILE.onnx`). */
export const OnnxManifest = z.object({
  /** The .onnx file this sidecar describes (its base name, same folder). */
  file: z.string(),
  opset: z.number().int(),
  irVersion: z.number().int(),
  /** Layout of `input` and `output`: NCHW [batch, 3, H, W] or NHWC [batch, H, W, 3]. */
  layout: z.enum(['NCHW', 'NHWC']),
  /** Normalised RGB (see `normalization`), float32. */
  input: OnnxValue,
  /** Logits, float32; argmax over the class axis (1 for NCHW, 3 for NHWC) gives `index`. */
  output: OnnxValue,
});
export type OnnxManifest = z.infer<typeof OnnxManifest>;

export const ModelManifest = z.object({
  format: z.literal('segstudio-model'),
  version: z.literal(1),
  /** Model preset name (`seed-alexnet-fcn`, `default`, or `imported` for foreign weights). */
  preset: z.string(),
  /** Network layout of a preset model (see main/engine/models/architecture.ts); absent otherwise. */
  architecture: z.object({ id: z.string(), version: z.number().int().min(1) }).optional(),
  classes: z.array(ManifestClass).min(1),
  /** Dataset id of the ignored class; predictions never contain it. */
  voidId: z.number().int().nullable(),
  /** How the dataset's annotations encode ids, so predictions can be written the same way. */
  maskEncoding: MaskEncoding.default('index'),
  rgbMapping: RgbMapping.optional(),
  input: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
  /**
   * Input normalisation the model was trained with, on RGB in [0, 1]:
   * x = (rgb / 255 - mean) / std, channels last (NHWC), float32.
   */
  normalization: NormalizationConfig,
  /** Output: logits [batch, height, width, classes]; argmax over the last axis. */
  output: z.literal('logits').default('logits'),
  metrics: ManifestMetrics.nullable().default(null),
  /** Where the weights came from: run name and checkpoint, or an imported file. */
  origin: z
    .object({
      run: z.string().optional(),
      checkpoint: z.string().optional(),
      step: z.number().int().optional(),
      importedFrom: z.string().optional(),
    })
    .default({}),
  exportedAt: z.string(),
  /** Present in the sidecar of an ONNX export only. */
  onnx: OnnxManifest.optional(),
});
export type ModelManifest = z.infer<typeof ModelManifest>;
export type ModelManifestInput = z.input<typeof ModelManifest>;
