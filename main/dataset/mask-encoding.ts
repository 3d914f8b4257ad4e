/**
 * How a dataset's masks store their classes, when the format does not fix it: class ids
 * (grey, or an RGB copy with R = G = B), palette indices, or colours (the seed's id in red,
 * or the labels' colours). Every usable mask's header votes, so one odd mask cannot decide
 * for the whole set: an all-200 colour PNG first in a set of grey CamVid masks used to turn
 * every mask into an "unknown colour". The odd mask is then read the way the others are, and
 * the value pass names what is wrong with it (`unknown_ids`, or `unsupported_mask` for a
 * colour mask among id masks, see scan.ts).
 */
import type { ClassDef, MaskEncoding, RgbMapping } from '../../shared/dataset/descriptor';
import { ClassMapper } from './classes';
import { decodeMask, keyColor, keyHistogram } from './decode';
import type { ColorType } from './headers';

/** One usable sample's annotation and the colour type its header declares. */
export interface AnnotationHeader {
  readonly file: string;
  readonly color: ColorType | null;
}

export interface EncodingChoice {
  readonly encoding: MaskEncoding;
  readonly rgbMapping?: RgbMapping;
}

/** Colour masks decoded to guess their reading: a few, spread over the whole list. */
const COLOR_SAMPLES = 5;

function encodingFor(color: ColorType | null): MaskEncoding {
  if (color === 'palette') return 'palette';
  if (color === 'rgb' || color === 'rgba') return 'rgb';
  return 'index';
}

/** The encoding most headers declare (ties: the one seen first). */
function majorityEncoding(headers: readonly AnnotationHeader[]): MaskEncoding {
  const votes = new Map<MaskEncoding, number>();
  for (const h of headers) {
    const e = encodingFor(h.color);
    votes.set(e, (votes.get(e) ?? 0) + 1);
  }
  let best: MaskEncoding = 'index';
  let most = 0;
  for (const [e, n] of votes) if (n > most) [best, most] = [e, n];
  return best;
}

/** `count` items spread evenly over `list` (its first, last and in between). */
function spread<T>(list: readonly T[], count: number): T[] {
  if (list.length <= count) return [...list];
  return Array.from(
    { length: count },
    (_, i) => list[Math.round((i * (list.length - 1)) / (count - 1))]!,
  );
}

type ColorReading = 'index' | 'colors' | 'red-id';

/**
 * What one colour mask most likely means: an index mask saved as RGB (every pixel grey, and
 * the greys are known ids), the seed's id in red, or the labels' colours. A mask no reading
 * explains at all (every pixel an unknown value) has no say.
 */
async function readingOf(
  file: string,
  classes: readonly ClassDef[] | null,
): Promise<ColorReading | null> {
  const ids = classes ? new Set(classes.map((c) => c.id)) : null;
  const colors = classes && new ClassMapper({ classes, encoding: 'rgb', rgbMapping: 'colors' });
  const red = classes && new ClassMapper({ classes, encoding: 'rgb', rgbMapping: 'red-id' });
  let total = 0;
  let allGrey = true;
  let byGrey = 0;
  let byColor = 0;
  let byRed = 0;
  for (const [key, count] of keyHistogram((await decodeMask(file, 'rgb')).keys)) {
    total += count;
    const [r, g, b] = keyColor(key);
    if (r !== g || g !== b) allGrey = false;
    else if (!ids || ids.has(r)) byGrey += count;
    if (colors?.idOfKey(key) !== undefined) byColor += count;
    if (red?.idOfKey(key) !== undefined) byRed += count;
  }
  if (total === 0) return null;
  if (allGrey && byGrey > byColor) return 'index';
  if (byRed > byColor) return 'red-id';
  return byColor > 0 || !ids ? 'colors' : null;
}

/**
 * Colour masks: each of a few decoded masks votes for the reading that explains most of its
 * pixels; the reading most masks vote for wins (ties: index, colours, red-id).
 */
async function guessColorMasks(
  files: readonly string[],
  classes: readonly ClassDef[] | null,
): Promise<EncodingChoice> {
  const votes: Record<ColorReading, number> = { index: 0, colors: 0, 'red-id': 0 };
  for (const file of spread(files, COLOR_SAMPLES)) {
    const reading = await readingOf(file, classes);
    if (reading) votes[reading]++;
  }
  if (votes.index > 0 && votes.index >= votes.colors && votes.index >= votes['red-id'])
    return { encoding: 'index' };
  return { encoding: 'rgb', rgbMapping: votes['red-id'] > votes.colors ? 'red-id' : 'colors' };
}

/**
 * The dataset's mask encoding from every usable annotation's header, and for colour masks
 * their reading, unless the format fixed them (`fixed`, `fixedMapping`).
 */
export async function chooseEncoding(
  headers: readonly AnnotationHeader[],
  classes: readonly ClassDef[] | null,
  fixed?: MaskEncoding,
  fixedMapping?: RgbMapping,
): Promise<EncodingChoice> {
  const encoding = fixed ?? majorityEncoding(headers);
  if (encoding !== 'rgb' || fixedMapping)
    return { encoding, ...(fixedMapping && { rgbMapping: fixedMapping }) };
  // A format that fixes colour masks (seed) may still hold grey or palette PNGs.
  const colorFiles = headers.filter((h) => encodingFor(h.color) === 'rgb').map((h) => h.file);
  const files = colorFiles.length > 0 ? colorFiles : headers.map((h) => h.file);
  if (files.length === 0) return { encoding: 'rgb' };
  return guessColorMasks(files, classes);
}
