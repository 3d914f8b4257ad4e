/**
 * SLIC superpixels (Achanta et al. 2012): k-means in (CIELAB, x, y) with each centre searching
 * only a 2S x 2S window, then a connectivity pass that merges stray fragments into a
 * neighbour. Runs in a Web Worker (slic.worker.ts); pure so it is testable in Node.
 */

export interface SlicOptions {
  /** Approximate superpixel side in pixels (S). */
  readonly size: number;
  /** Spatial weight m: higher gives squarer, less colour-hugging cells. */
  readonly compactness?: number;
  readonly iterations?: number;
}

export interface Superpixels {
  readonly width: number;
  readonly height: number;
  /** Superpixel id per pixel, 0..count-1. */
  readonly labels: Int32Array;
  readonly count: number;
}

function srgbToLinear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
}

function toLab(rgba: ArrayLike<number>, n: number): Float32Array {
  const lab = new Float32Array(n * 3);
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i++) lut[i] = srgbToLinear(i);
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  for (let i = 0; i < n; i++) {
    const r = lut[rgba[i * 4]!]!;
    const g = lut[rgba[i * 4 + 1]!]!;
    const b = lut[rgba[i * 4 + 2]!]!;
    const fx = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
    const fy = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
    const fz = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
    lab[i * 3] = 116 * fy - 16;
    lab[i * 3 + 1] = 500 * (fx - fy);
    lab[i * 3 + 2] = 200 * (fy - fz);
  }
  return lab;
}

export function slic(
  rgba: ArrayLike<number>,
  width: number,
  height: number,
  options: SlicOptions,
): Superpixels {
  const n = width * height;
  const S = Math.max(2, Math.round(options.size));
  const m = options.compactness ?? 10;
  const iterations = options.iterations ?? 8;
  const lab = toLab(rgba, n);
  const cols = Math.max(1, Math.round(width / S));
  const rows = Math.max(1, Math.round(height / S));
  const k = cols * rows;
  // Centre: L, a, b, x, y.
  const centres = new Float64Array(k * 5);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = Math.min(width - 1, Math.floor(((c + 0.5) * width) / cols));
      const y = Math.min(height - 1, Math.floor(((r + 0.5) * height) / rows));
      const j = (r * cols + c) * 5;
      const i = y * width + x;
      centres[j] = lab[i * 3]!;
      centres[j + 1] = lab[i * 3 + 1]!;
      centres[j + 2] = lab[i * 3 + 2]!;
      centres[j + 3] = x;
      centres[j + 4] = y;
    }
  }
  const labels = new Int32Array(n).fill(-1);
  const dist = new Float32Array(n);
  const spatial = (m / S) * (m / S);
  const sums = new Float64Array(k * 6);
  for (let it = 0; it < iterations; it++) {
    dist.fill(Infinity);
    for (let c = 0; c < k; c++) {
      const j = c * 5;
      const cx = centres[j + 3]!;
      const cy = centres[j + 4]!;
      const xa = Math.max(0, Math.floor(cx - S));
      const xb = Math.min(width - 1, Math.ceil(cx + S));
      const ya = Math.max(0, Math.floor(cy - S));
      const yb = Math.min(height - 1, Math.ceil(cy + S));
      for (let y = ya; y <= yb; y++) {
        for (let x = xa; x <= xb; x++) {
          const i = y * width + x;
          const dl = lab[i * 3]! - centres[j]!;
          const da = lab[i * 3 + 1]! - centres[j + 1]!;
          const db = lab[i * 3 + 2]! - centres[j + 2]!;
          const dx = x - cx;
          const dy = y - cy;
          const d = dl * dl + da * da + db * db + (dx * dx + dy * dy) * spatial;
          if (d < dist[i]!) {
            dist[i] = d;
            labels[i] = c;
          }
        }
      }
    }
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i]!;
      if (c < 0) continue;
      const j = c * 6;
      sums[j]! += lab[i * 3]!;
      sums[j + 1]! += lab[i * 3 + 1]!;
      sums[j + 2]! += lab[i * 3 + 2]!;
      sums[j + 3]! += i % width;
      sums[j + 4]! += Math.floor(i / width);
      sums[j + 5]! += 1;
    }
    for (let c = 0; c < k; c++) {
      const count = sums[c * 6 + 5]!;
      if (!count) continue;
      for (let d = 0; d < 5; d++) centres[c * 5 + d] = sums[c * 6 + d]! / count;
    }
  }
  return enforceConnectivity(labels, width, height, Math.max(1, Math.floor((S * S) / 4)));
}

/** Relabels 4-connected components; components smaller than `minSize` join a neighbour. */
function enforceConnectivity(
  labels: Int32Array,
  width: number,
  height: number,
  minSize: number,
): Superpixels {
  const n = width * height;
  const out = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  let next = 0;
  for (let start = 0; start < n; start++) {
    if (out[start]! >= 0) continue;
    const original = labels[start]!;
    // An already-labelled neighbour to merge into if this component is too small.
    let adjacent = -1;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    out[start] = next;
    while (head < tail) {
      const i = queue[head++]!;
      const x = i % width;
      const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width];
      for (const j of neighbours) {
        if (j < 0 || j >= n) continue;
        if (out[j]! >= 0) {
          if (out[j] !== next) adjacent = out[j]!;
          continue;
        }
        if (labels[j] !== original) continue;
        out[j] = next;
        queue[tail++] = j;
      }
    }
    if (tail < minSize && adjacent >= 0) {
      for (let q = 0; q < tail; q++) out[queue[q]!] = adjacent;
    } else next++;
  }
  return { width, height, labels: out, count: next };
}

/** Pixel indices of each superpixel, grouped (CSR): pixels of s are order[start[s]..start[s+1]). */
export function groupPixels(sp: Superpixels): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(sp.count + 1);
  for (let i = 0; i < sp.labels.length; i++) start[sp.labels[i]! + 1]!++;
  for (let s = 0; s < sp.count; s++) start[s + 1]! += start[s]!;
  const fill = start.slice(0, sp.count);
  const order = new Int32Array(sp.labels.length);
  for (let i = 0; i < sp.labels.length; i++) order[fill[sp.labels[i]!]!++] = i;
  return { start, order };
}
