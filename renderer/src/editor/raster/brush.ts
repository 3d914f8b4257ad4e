/**
 * Brush geometry as row spans. A stroke segment from A to B with a round brush is a capsule
 * (the disc swept along the segment); with a square brush it is the convex hull of the two
 * squares. Both are convex, so each row crosses them in one span: computing those spans
 * directly gives hard edges and no gaps however fast the pointer moves, at a cost of one span
 * per row instead of one stamp per pixel of travel. A pixel belongs to the shape when its
 * centre does.
 */

export type BrushShape = 'round' | 'square';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export type SpanSink = (y: number, x0: number, x1: number) => void;

/**
 * Where a brush of this size sits for a pointer at `p` (image px): odd sizes centre on the
 * pixel under the pointer, even sizes on the nearest pixel corner, so size 1 is one pixel.
 */
export function brushCentre(p: Point, size: number): Point {
  if (size % 2 === 1) return { x: Math.floor(p.x) + 0.5, y: Math.floor(p.y) + 0.5 };
  return { x: Math.round(p.x), y: Math.round(p.y) };
}

/** Emits the spans of a brush of `size` px swept from `a` to `b` (centres, image px). */
export function sweepSpans(
  a: Point,
  b: Point,
  size: number,
  shape: BrushShape,
  height: number,
  emit: SpanSink,
): void {
  const r = size / 2;
  const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - r));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(a.y, b.y) + r));
  if (shape === 'square') {
    const hull = convexHull([...corners(a, r), ...corners(b, r)]);
    for (let y = y0; y <= y1; y++) {
      const span = polygonRowSpan(hull, y + 0.5);
      if (span) emitCentres(y, span[0], span[1], emit);
    }
    return;
  }
  for (let y = y0; y <= y1; y++) {
    const span = capsuleRowSpan(a, b, r, y + 0.5);
    if (span) emitCentres(y, span[0], span[1], emit);
  }
}

/** Pixels whose centre x + 0.5 lies in [lo, hi]. */
function emitCentres(y: number, lo: number, hi: number, emit: SpanSink): void {
  const x0 = Math.ceil(lo - 0.5 - 1e-9);
  const x1 = Math.floor(hi - 0.5 + 1e-9);
  if (x1 >= x0) emit(y, x0, x1);
}

function discRow(c: Point, r: number, yc: number): [number, number] | null {
  const dy = yc - c.y;
  const q = r * r - dy * dy;
  if (q < 0) return null;
  const s = Math.sqrt(q);
  return [c.x - s, c.x + s];
}

/** x-interval where the horizontal line y = yc meets the capsule of radius r around AB. */
export function capsuleRowSpan(a: Point, b: Point, r: number, yc: number): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  const include = (s: [number, number] | null) => {
    if (!s) return;
    if (s[0] < lo) lo = s[0];
    if (s[1] > hi) hi = s[1];
  };
  include(discRow(a, r, yc));
  include(discRow(b, r, yc));
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy);
  if (len > 1e-9) {
    // The band between the discs: 0 <= t <= len along AB and |distance to AB| <= r.
    // Along the row, t and the signed distance are linear in x; intersect the four half-lines.
    const ux = dx / len;
    const uy = dy / len;
    let bandLo = -Infinity;
    let bandHi = Infinity;
    const clamp = (k: number, c0: number, min: number, max: number) => {
      // min <= c0 + k * x <= max
      if (Math.abs(k) < 1e-12) {
        if (c0 < min || c0 > max) bandHi = -Infinity;
        return;
      }
      const p = (min - c0) / k;
      const q = (max - c0) / k;
      bandLo = Math.max(bandLo, Math.min(p, q));
      bandHi = Math.min(bandHi, Math.max(p, q));
    };
    const ry = yc - a.y;
    // t(x) = (x - a.x) * ux + ry * uy ; d(x) = -(x - a.x) * uy + ry * ux
    clamp(ux, -a.x * ux + ry * uy, 0, len);
    clamp(-uy, a.x * uy + ry * ux, -r, r);
    if (bandLo <= bandHi) include([bandLo, bandHi]);
  }
  return lo <= hi ? [lo, hi] : null;
}

function corners(c: Point, r: number): Point[] {
  return [
    { x: c.x - r, y: c.y - r },
    { x: c.x + r, y: c.y - r },
    { x: c.x + r, y: c.y + r },
    { x: c.x - r, y: c.y + r },
  ];
}

/** Andrew's monotone chain; returns the hull counter-clockwise. */
export function convexHull(points: Point[]): Point[] {
  const pts = [...points].sort((p, q) => p.x - q.x || p.y - q.y);
  if (pts.length < 3) return pts;
  const cross = (o: Point, p: Point, q: Point) =>
    (p.x - o.x) * (q.y - o.y) - (p.y - o.y) * (q.x - o.x);
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0)
      lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0)
      upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** x-interval where the line y = yc meets a convex polygon (closed), or null. */
export function polygonRowSpan(poly: readonly Point[], yc: number): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i]!;
    const q = poly[(i + 1) % poly.length]!;
    if ((p.y <= yc && q.y >= yc) || (q.y <= yc && p.y >= yc)) {
      if (p.y === q.y) {
        lo = Math.min(lo, p.x, q.x);
        hi = Math.max(hi, p.x, q.x);
      } else {
        const x = p.x + ((yc - p.y) / (q.y - p.y)) * (q.x - p.x);
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    }
  }
  return lo <= hi ? [lo, hi] : null;
}
