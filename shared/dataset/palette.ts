/**
 * Display colours for classes that come without a labels file. Fixed (not random) so the
 * same dataset always looks the same; the first 21 entries are the Pascal VOC colour map,
 * which users of segmentation tools recognise, and the rest continue its bit-interleaving.
 */
export type Rgb = [number, number, number];

/** Pascal VOC's colour map for index i: bits of i spread over the high bits of R, G, B. */
export function vocColor(index: number): Rgb {
  let r = 0;
  let g = 0;
  let b = 0;
  let c = index;
  for (let shift = 7; shift >= 0; shift--) {
    r |= (c & 1) << shift;
    g |= ((c >> 1) & 1) << shift;
    b |= ((c >> 2) & 1) << shift;
    c >>= 3;
  }
  return [r, g, b];
}

/** Colour for dataset id `id` when the dataset does not name one (ids 0..255 are distinct). */
export function paletteColor(id: number): Rgb {
  return vocColor(((id % 256) + 256) % 256);
}

/** Colour used for void / ignored pixels in rendered masks. */
export const VOID_COLOR: Readonly<Rgb> = [0, 0, 0];
