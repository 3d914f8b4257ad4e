/**
 * The registry of dataset formats, keyed by the vocabulary of `shared/dataset/formats.ts`.
 * Adding a format: its name and label there, one file here exporting a `FormatModule`, and one
 * entry below (the type refuses a missing or unknown name; tests/dataset/format-registry.test.ts
 * checks each module answers to its key).
 */
import type { DatasetFormat } from '../../../shared/dataset/formats';
import type { FormatModule } from '../plan';
import { ade20kFormat } from './ade20k';
import { cityscapesFormat } from './cityscapes';
import { cvatMaskFormat } from './cvat-mask';
import { folderPairsFormat } from './folder-pairs';
import { mmsegFormat } from './mmseg';
import { pairListFormat } from './pair-list';
import { seedFormat } from './seed';
import { vocFormat } from './voc';

/** Written most specific first: ties in detection go to the earlier entry. */
const REGISTRY = {
  'cvat-mask': cvatMaskFormat,
  cityscapes: cityscapesFormat,
  voc: vocFormat,
  ade20k: ade20kFormat,
  mmseg: mmsegFormat,
  'pair-list': pairListFormat,
  seed: seedFormat,
  'folder-pairs': folderPairsFormat,
} as const satisfies Record<DatasetFormat, FormatModule>;

/** Every format in detection order (most specific first). */
export const FORMATS: readonly FormatModule[] = Object.values(REGISTRY);

/** The module reading `format`; an unknown name is an error, never a fallback. */
export function formatModule(format: DatasetFormat): FormatModule {
  const found = (REGISTRY as Partial<Record<string, FormatModule>>)[format];
  if (!found) throw new Error(`Unknown dataset format "${String(format)}"`);
  return found;
}
