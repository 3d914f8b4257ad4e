/**
 * Adding a class to a project (projects that start without masks need their own). Renaming
 * and recolouring go through the dataset service's `updateClass`; both only change the
 * project's descriptor, never the dataset.
 */
import type { DatasetDescriptor } from '../../shared/dataset/descriptor';
import { paletteColor } from '../../shared/dataset/palette';
import { LabelsError } from './errors';

/** The descriptor with one more class: the next free id below the void id when possible. */
export function addClass(
  descriptor: DatasetDescriptor,
  name: string,
  color?: [number, number, number],
): DatasetDescriptor {
  const trimmed = name.trim();
  if (!trimmed) throw new LabelsError('A class needs a name', 'bad_class');
  if (descriptor.classes.some((c) => c.name.toLowerCase() === trimmed.toLowerCase())) {
    throw new LabelsError(`There is already a class named "${trimmed}"`, 'class_exists');
  }
  const used = new Set(descriptor.classes.map((c) => c.id));
  let id = 0;
  while (used.has(id)) id++;
  if (descriptor.encoding === 'rgb' && descriptor.rgbMapping === 'red-id' && id > 255) {
    throw new LabelsError(
      'This dataset stores ids in the red channel: at most 256 classes',
      'bad_class',
    );
  }
  const classes = [...descriptor.classes, { id, name: trimmed, color: color ?? paletteColor(id) }];
  return { ...descriptor, classes: classes.sort((a, b) => a.id - b.id) };
}
