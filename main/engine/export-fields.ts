/** The `segstudio.json` fields of a model this engine trained, and the class check on import. */
import type { DatasetDescriptor } from '../../shared/dataset/descriptor';
import type { TrainingConfig } from '../../shared/training/config';
import type { SourceClass } from '../dataset/source';
import type { ManifestFields } from './export';
import { architectureOf } from './models/architecture';
import type { ManifestClass, ManifestMetrics, ModelManifest } from './export-manifest';

/**
 * `segstudio.json` fields for a model trained by this engine: classes in training-index order
 * from the dataset, its void id and mask encoding, the config's input size and normalisation.
 * For runs, `runManifestFields` (main/training/run-model.ts) fills them, for the app's export
 * and `segstudio export` alike.
 */
export function manifestFieldsFor(args: {
  readonly config: TrainingConfig;
  readonly classes: readonly SourceClass[];
  readonly descriptor: Pick<DatasetDescriptor, 'voidId' | 'encoding' | 'rgbMapping'>;
  readonly metrics?: ManifestMetrics | null;
  readonly origin?: ModelManifest['origin'];
}): ManifestFields {
  const classes: ManifestClass[] = args.classes.map((c) => ({
    index: c.index,
    id: c.datasetId,
    name: c.name,
    color: [c.color[0], c.color[1], c.color[2]],
  }));
  return {
    preset: args.config.preset,
    architecture: architectureOf(args.config.preset),
    classes,
    voidId: args.descriptor.voidId,
    maskEncoding: args.descriptor.encoding,
    ...(args.descriptor.rgbMapping && { rgbMapping: args.descriptor.rgbMapping }),
    input: { ...args.config.inputSize },
    normalization: args.config.normalization,
    metrics: args.metrics ?? null,
    origin: args.origin ?? {},
  };
}

/**
 * Checks that a dataset's training classes are the ones the model was trained on (same count
 * and ids in the same order); returns human warnings for renamed classes.
 */
export function checkClassesMatch(
  model: Pick<ModelManifest, 'classes'>,
  dataset: readonly SourceClass[],
  what: string,
): string[] {
  if (model.classes.length !== dataset.length) {
    throw new Error(
      `the model predicts ${model.classes.length} classes but ${what} has ${dataset.length} (void excluded)`,
    );
  }
  const warnings: string[] = [];
  model.classes.forEach((c, i) => {
    const d = dataset[i]!;
    if (c.id !== d.datasetId) {
      throw new Error(
        `class ${i} is id ${c.id} ("${c.name}") in the model but id ${d.datasetId} ("${d.name}") in ${what}`,
      );
    }
    if (c.name !== d.name)
      warnings.push(`class ${c.id} is "${c.name}" in the model, "${d.name}" in ${what}`);
  });
  return warnings;
}
