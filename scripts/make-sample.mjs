// Generates resources/sample: a small, licence-free, synthetic road-scene dataset in the
// CamVid pair-list layout (train.txt/val.txt `IMAGE ANNOTATION`, 8-bit class-index masks,
// labels.json), so a first launch and the e2e tests have something real to open without
// shipping CamVid. Deterministic: the same seed always writes the same bytes.
// Usage: node scripts/make-sample.mjs [--out DIR] [--train N] [--val N]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { rng } from './lib/random.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(root, 'resources', 'sample') },
    train: { type: 'string', default: '40' },
    val: { type: 'string', default: '12' },
  },
});

const WIDTH = 128;
const HEIGHT = 96;

/** id = pixel value in the masks; colours are what the UI paints, not what the images show. */
const CLASSES = [
  { id: 0, name: 'Sky', rgb_values: [70, 130, 180] },
  { id: 1, name: 'Building', rgb_values: [128, 0, 0] },
  { id: 2, name: 'Road', rgb_values: [128, 64, 128] },
  { id: 3, name: 'Pavement', rgb_values: [60, 40, 222] },
  { id: 4, name: 'Tree', rgb_values: [107, 142, 35] },
  { id: 5, name: 'Car', rgb_values: [64, 0, 128] },
  { id: 6, name: 'Unlabelled', rgb_values: [0, 0, 0], void: true },
];
const [SKY, BUILDING, ROAD, PAVEMENT, TREE, CAR, VOID] = [0, 1, 2, 3, 4, 5, 6];

function scene(seed) {
  const rand = rng(seed);
  const between = (lo, hi) => lo + rand() * (hi - lo);
  const label = new Uint8Array(WIDTH * HEIGHT);
  const image = new Uint8Array(WIDTH * HEIGHT * 3);
  const set = (x, y, cls, [r, g, b]) => {
    if (x < 0 || y < 0 || x >= WIDTH || y >= HEIGHT) return;
    const p = y * WIDTH + x;
    label[p] = cls;
    image.set([r, g, b], p * 3);
  };

  const horizon = Math.round(between(38, 52));
  const vanishX = between(40, 88);
  const sunny = rand() > 0.4;
  // Sky: vertical gradient, brighter near the horizon.
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const t = y / horizon;
      const sky = sunny
        ? [90 + 80 * t, 150 + 60 * t, 230]
        : [150 + 40 * t, 155 + 40 * t, 165 + 35 * t];
      set(x, y, SKY, sky);
    }
  }
  // Buildings along the horizon: blocks of varying height, with window rows.
  for (let x = 0; x < WIDTH;) {
    const w = Math.round(between(10, 26));
    const top = Math.round(horizon - between(8, 34));
    const tone = between(90, 170);
    const tint = [tone + between(-15, 25), tone - between(0, 20), tone - between(0, 30)];
    for (let bx = x; bx < x + w; bx++) {
      for (let y = top; y < horizon + 4; y++) {
        const window = (bx - x) % 5 >= 2 && (y - top) % 6 >= 3 && y < horizon - 2;
        set(bx, y, BUILDING, window ? tint.map((c) => c * 0.55) : tint);
      }
    }
    x += w + Math.round(between(0, 6));
  }
  // Road: a trapezoid to the vanishing point; pavement on both sides.
  for (let y = horizon; y < HEIGHT; y++) {
    const t = (y - horizon) / (HEIGHT - horizon);
    const half = 4 + t * 70;
    const kerb = 2 + t * 18;
    for (let x = 0; x < WIDTH; x++) {
      const dx = Math.abs(x - vanishX);
      if (dx <= half) {
        const marking = Math.abs(x - vanishX) < 0.6 + t && Math.floor(y / 4) % 2 === 0;
        set(x, y, ROAD, marking ? [220, 220, 210] : [85 + 25 * t, 82 + 25 * t, 90 + 25 * t]);
      } else if (dx <= half + kerb) {
        set(x, y, PAVEMENT, [165, 150, 135]);
      } else {
        set(x, y, PAVEMENT, [150, 140, 125]);
      }
    }
    // A one-pixel void seam at the kerb: annotators leave such edges unlabelled.
    for (const side of [-1, 1]) {
      const x = Math.round(vanishX + side * half);
      if (x >= 0 && x < WIDTH) label[y * WIDTH + x] = VOID;
    }
  }
  // Trees: round crowns on trunks, in front of the buildings.
  const trees = Math.floor(between(1, 4));
  for (let i = 0; i < trees; i++) {
    const cx = between(6, WIDTH - 6);
    const cy = horizon - between(2, 14);
    const r = between(5, 11);
    const green = [between(40, 80), between(100, 150), between(30, 60)];
    for (let y = Math.floor(cy); y < horizon + 6; y++) {
      for (let x = Math.round(cx - 1); x <= Math.round(cx + 1); x++) set(x, y, TREE, [90, 65, 40]);
    }
    for (let y = Math.floor(cy - r); y <= cy + r; y++) {
      for (let x = Math.floor(cx - r); x <= cx + r; x++) {
        const d = Math.hypot(x - cx, (y - cy) * 1.15);
        if (d <= r)
          set(
            x,
            y,
            TREE,
            green.map((c) => c * (1 - (0.35 * d) / r)),
          );
      }
    }
  }
  // Cars on the road: a body, a cabin and dark wheels, scaled with the distance.
  const cars = Math.floor(between(0, 4));
  for (let i = 0; i < cars; i++) {
    const y = Math.round(between(horizon + 8, HEIGHT - 4));
    const t = (y - horizon) / (HEIGHT - horizon);
    const w = Math.round(8 + 26 * t);
    const h = Math.round(w * 0.45);
    const x0 = Math.round(vanishX + between(-0.8, 0.8) * (4 + t * 60) - w / 2);
    const paint = [between(40, 230), between(20, 200), between(20, 220)];
    for (let yy = y - h; yy < y; yy++) {
      for (let xx = x0; xx < x0 + w; xx++) {
        const cabin = yy < y - h * 0.55;
        if (cabin && (xx < x0 + w * 0.2 || xx > x0 + w * 0.8)) continue;
        set(xx, yy, CAR, cabin ? [60, 70, 90] : paint);
      }
    }
    for (const wx of [x0 + w * 0.2, x0 + w * 0.8]) {
      for (let yy = y - 2; yy < y + 1; yy++) {
        for (let xx = Math.round(wx - 2); xx <= Math.round(wx + 2); xx++)
          set(xx, yy, CAR, [25, 25, 25]);
      }
    }
  }
  // Sensor noise, small enough that the PNGs stay compressible.
  for (let i = 0; i < image.length; i++) {
    image[i] = Math.max(0, Math.min(255, Math.round(image[i] + (rand() - 0.5) * 6)));
  }
  return { image, label };
}

async function writeSplit(out, split, count, seedBase) {
  const imageDir = path.join(out, split);
  const annotDir = path.join(out, `${split}annot`);
  mkdirSync(imageDir, { recursive: true });
  mkdirSync(annotDir, { recursive: true });
  const lines = [];
  for (let i = 0; i < count; i++) {
    const name = `scene_${split}_${String(i + 1).padStart(3, '0')}.png`;
    const { image, label } = scene(seedBase + i * 7919);
    await sharp(image, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .png({ compressionLevel: 9, adaptiveFiltering: true })
      .toFile(path.join(imageDir, name));
    await sharp(label, { raw: { width: WIDTH, height: HEIGHT, channels: 1 } })
      .toColourspace('b-w')
      .png({ compressionLevel: 9 })
      .toFile(path.join(annotDir, name));
    lines.push(`${split}/${name} ${split}annot/${name}`);
  }
  writeFileSync(path.join(out, `${split}.txt`), `${lines.join('\n')}\n`);
}

const out = path.resolve(values.out);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await writeSplit(out, 'train', Number(values.train), 1000);
await writeSplit(out, 'val', Number(values.val), 5000);
writeFileSync(path.join(out, 'labels.json'), `${JSON.stringify(CLASSES, null, 2)}\n`);
writeFileSync(
  path.join(out, 'README.md'),
  [
    '# Seg Studio sample dataset',
    '',
    'Synthetic road scenes (sky, buildings, road, pavement, trees, cars) generated by',
    '`scripts/make-sample.mjs`; no photographs, no third-party data. Licence: CC0 1.0.',
    '',
    `Layout: CamVid-style pair lists (\`train.txt\`, \`val.txt\`), ${WIDTH}x${HEIGHT} RGB PNG images,`,
    '8-bit greyscale annotations whose pixel value is the class id (`labels.json`; 6 = void).',
    '',
  ].join('\n'),
);
console.log(`[make-sample] wrote ${values.train} train + ${values.val} val scenes to ${out}`);
