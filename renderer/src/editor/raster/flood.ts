/**
 * Flood fill as row spans: every pixel that `matches` and is 4-connected to the seed
 * (contiguous), or every matching pixel of the image (global). Scanline algorithm with an
 * explicit stack, so a 12-megapixel region cannot overflow the call stack.
 */
import type { SpanSink } from './brush';

export function floodSpans(
  width: number,
  height: number,
  seedX: number,
  seedY: number,
  matches: (i: number) => boolean,
  contiguous: boolean,
  emit: SpanSink,
): void {
  if (seedX < 0 || seedY < 0 || seedX >= width || seedY >= height) return;
  if (!matches(seedY * width + seedX)) return;
  if (!contiguous) {
    for (let y = 0; y < height; y++) {
      let start = -1;
      for (let x = 0; x <= width; x++) {
        const inside = x < width && matches(y * width + x);
        if (inside && start < 0) start = x;
        else if (!inside && start >= 0) {
          emit(y, start, x - 1);
          start = -1;
        }
      }
    }
    return;
  }
  const seen = new Uint8Array(width * height);
  const stack: number[] = [seedX, seedY];
  while (stack.length) {
    const y = stack.pop()!;
    const x = stack.pop()!;
    const row = y * width;
    if (seen[row + x] || !matches(row + x)) continue;
    let l = x;
    while (l > 0 && !seen[row + l - 1] && matches(row + l - 1)) l--;
    let r = x;
    while (r < width - 1 && !seen[row + r + 1] && matches(row + r + 1)) r++;
    seen.fill(1, row + l, row + r + 1);
    emit(y, l, r);
    for (const ny of [y - 1, y + 1]) {
      if (ny < 0 || ny >= height) continue;
      const nrow = ny * width;
      let inRun = false;
      for (let nx = l; nx <= r; nx++) {
        const ok = !seen[nrow + nx] && matches(nrow + nx);
        if (ok && !inRun) {
          stack.push(nx, ny);
          inRun = true;
        } else if (!ok) inRun = false;
      }
    }
  }
}

/** Matcher for "same class as the seed". */
export function sameClass(data: ArrayLike<number>, seed: number): (i: number) => boolean {
  const target = data[seed]!;
  return (i) => data[i] === target;
}

/** Matcher for "image colour within `tolerance` (0-255, per channel) of the seed's". */
export function similarColour(
  rgba: ArrayLike<number>,
  seed: number,
  tolerance: number,
): (i: number) => boolean {
  const r = rgba[seed * 4]!;
  const g = rgba[seed * 4 + 1]!;
  const b = rgba[seed * 4 + 2]!;
  return (i) =>
    Math.abs(rgba[i * 4]! - r) <= tolerance &&
    Math.abs(rgba[i * 4 + 1]! - g) <= tolerance &&
    Math.abs(rgba[i * 4 + 2]! - b) <= tolerance;
}
