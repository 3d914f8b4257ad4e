/**
 * CVAT's `labelmap.txt` (the "Segmentation mask 1.1" export, after Pascal VOC's): one label per
 * line as `name:r,g,b:parts:actions`, `#` comments, the line order being the class id
 * (`background:0,0,0::` first). Masks paint each label in its colour, so these colours are
 * what the masks are read by. Pure text parsing: the caller reads the file.
 */
import type { ClassDef } from './descriptor';

export type LabelmapParse = { ok: true; classes: ClassDef[] } | { ok: false; error: string };

const ENTRY = /^([^:]+):\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?::.*)?$/;

/** Whether `text` looks like a labelmap (its first entry is `name:r,g,b...`). */
export function looksLikeLabelmap(text: string): boolean {
  const first = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  return first !== undefined && ENTRY.test(first);
}

export function parseLabelmap(text: string): LabelmapParse {
  const classes: ClassDef[] = [];
  const colours = new Map<string, string>();
  const names = new Set<string>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = ENTRY.exec(line);
    if (!m) return { ok: false, error: `line ${i + 1}: expected name:r,g,b:parts:actions` };
    const name = m[1]!.trim();
    const color = [Number(m[2]), Number(m[3]), Number(m[4])] as [number, number, number];
    if (color.some((v) => v > 255))
      return { ok: false, error: `line ${i + 1}: colour values must be 0..255` };
    if (names.has(name))
      return { ok: false, error: `line ${i + 1}: label "${name}" appears twice` };
    const key = color.join(',');
    const clash = colours.get(key);
    if (clash) {
      // Two labels painted alike cannot be told apart in the masks.
      return { ok: false, error: `line ${i + 1}: "${name}" has the colour of "${clash}" (${key})` };
    }
    names.add(name);
    colours.set(key, name);
    classes.push({ id: classes.length, name, color });
  }
  if (classes.length === 0) return { ok: false, error: 'no labels' };
  return { ok: true, classes };
}
