import type { DatasetFormat } from '../../../shared/dataset/descriptor';
import type { FormatModule } from '../plan';
import { ade20kFormat } from './ade20k';
import { foldersFormat } from './folders';
import { pairListFormat } from './pairlist';
import { seedFormat } from './seed';
import { vocFormat } from './voc';

/** Every format, most specific first (ties in detection go to the earlier one). */
export const FORMATS: readonly FormatModule[] = [
  vocFormat,
  ade20kFormat,
  pairListFormat,
  seedFormat,
  foldersFormat,
];

export function formatModule(format: DatasetFormat): FormatModule {
  const found = FORMATS.find((f) => f.format === format);
  if (!found) throw new Error(`Unknown dataset format "${format}"`);
  return found;
}
