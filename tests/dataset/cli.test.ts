import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/build';
import { lastJsonLine, runSegstudio } from '../support/cli';
import { makeDamaged } from './fixtures/damaged';
import { makePairListRgbIndex } from './fixtures/formats';
import { CAMVID } from '../support/datasets';
import { tempDir, treeFingerprint } from '../support/folders';

const inspect = (args: string[]) => runSegstudio(['inspect', ...args]);

interface InspectJson {
  format: string;
  splits: Record<string, { listed: number; usable: number }>;
  classes: {
    id: number;
    name: string;
    color: number[];
    void?: boolean;
    pixels: number;
    images: number;
  }[];
  voidPixels: number;
  totalPixels: number;
  problems: { split: string; sample: string; path: string; reason: string; detail?: string }[];
}

const work = tempDir('cli');
afterAll(() => work.cleanup());

/** A small CamVid-like pair list (2 samples, labels.json) to damage one way per test. */
async function pairList(name: string): Promise<string> {
  const dir = path.join(work.dir, name);
  await makePairListRgbIndex(dir);
  return dir;
}

const MALFORMED_LABELS =
  '[\n  {"id": 0, "name": "Sky", "rgb_values": [128, 128, 128]},\n  {"id": 1 "name": "Road"}\n]\n';

describe('segstudio inspect (real CLI process)', () => {
  beforeAll(() => ensureBuilt());

  it('prints CamVid as one JSON object on the last stdout line', () => {
    const run = inspect([CAMVID, '--json']);
    expect(run.status).toBe(0);
    const result = lastJsonLine<InspectJson>(run.stdout);
    expect(result.format).toBe('pair-list');
    expect(result.splits).toEqual({
      train: { listed: 367, usable: 367, unlabeled: 0 },
      val: { listed: 101, usable: 101, unlabeled: 0 },
    });
    expect(result.classes).toHaveLength(12);
    expect(result.classes.filter((c) => !c.void)).toHaveLength(11);
    expect(result.classes.find((c) => c.void)).toEqual({
      id: 11,
      name: 'Unlabelled',
      color: [0, 0, 0],
      void: true,
      pixels: result.voidPixels,
      images: expect.any(Number),
    });
    // Per-class pixels over every usable mask of both splits add up to all 468 masks' pixels.
    const pixels = result.classes.reduce((n, c) => n + c.pixels, 0);
    expect(pixels).toBe(468 * 480 * 360);
    expect(result.totalPixels).toBe(pixels);
    expect(result.problems).toEqual([]);
    expect(run.stderr).toContain('checking files');
  });

  it('prints a human summary with problems grouped by reason', async () => {
    const data = path.join(work.dir, 'CamVid');
    await makeDamaged(data);
    const before = treeFingerprint(data);
    const human = inspect([data]);
    expect(human.status).toBe(0);
    expect(human.stdout).toContain('format    pair-list');
    expect(human.stdout).toMatch(/train\s+20\s+3\s+1\n/);
    expect(human.stdout).toContain('size_mismatch (1)');
    expect(human.stdout).toContain('train/small_ann: annotation trainannot/small_ann.png is 32x22');
    const json = lastJsonLine<InspectJson>(
      inspect([data, '--json', '--format', 'pair-list']).stdout,
    );
    expect(json.problems.find((p) => p.sample === 'odd_ids')?.reason).toBe('unknown_ids');
    expect(treeFingerprint(data)).toEqual(before);
  });

  it('rejects a bad --format with a usage error', () => {
    const run = inspect([CAMVID, '--format', 'coco']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--format must be one of');
  });

  it('says a missing folder does not exist, and a file is not a folder', () => {
    const missing = inspect(['/does/not/exist']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('segstudio inspect: error: /does/not/exist does not exist\n');
    const file = path.join(CAMVID, 'train.txt');
    const notDir = inspect([file, '--json']);
    expect(notDir.status).toBe(1);
    expect(notDir.stderr).toContain(`${file} is a file, not a folder`);
  });

  it('says what layout it expected when a forced --format finds no samples', () => {
    const empty = path.join(work.dir, 'empty');
    mkdirSync(empty);
    const run = inspect([empty, '--format', 'voc']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `segstudio inspect: error: ${empty} has no samples in the voc layout (expected JPEGImages/, SegmentationClass/ and ImageSets/Segmentation/*.txt)\n`,
    );
  });

  it('reports a malformed labels.json found beside the data with its line and column', async () => {
    const data = await pairList('bad-labels');
    const labels = path.join(data, 'labels.json');
    writeFileSync(labels, MALFORMED_LABELS);
    const run = inspect([data, '--json', '--quick']);
    expect(run.status).toBe(0);
    const result = lastJsonLine<InspectJson>(run.stdout);
    expect(result.problems).toEqual([
      expect.objectContaining({ split: '', sample: '', path: labels, reason: 'labels_file' }),
    ]);
    expect(result.problems[0]!.detail).toMatch(
      /^labels file labels\.json cannot be used: not valid JSON at line 3 column 12 \(/,
    );
    expect(readFileSync(labels, 'utf8')).toBe(MALFORMED_LABELS);
  });

  it('fails on a labels file given with --labels that cannot be used, naming file and line', async () => {
    const data = await pairList('explicit-labels');
    const labels = path.join(work.dir, 'my-labels.json');
    writeFileSync(labels, MALFORMED_LABELS);
    const bad = inspect([data, '--labels', labels, '--json']);
    expect(bad.status).toBe(1);
    // --json failures end stdout with one error object (the CLI's --json error convention).
    const lastLine = bad.stdout.trim().split('\n').at(-1) ?? '';
    const { error } = JSON.parse(lastLine) as { error: { message: string; code: string } };
    expect(error.message).toContain(
      `labels file ${labels} cannot be used: not valid JSON at line 3`,
    );
    expect(error.code).toBe('failed');
    expect(bad.stderr).toContain(
      `segstudio inspect: error: labels file ${labels} cannot be used: not valid JSON at line 3 column 12`,
    );
    const gone = inspect([data, '--labels', path.join(work.dir, 'nope.json')]);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain('nope.json does not exist');
  });

  it('reports a bad list line (even the first one) and keeps the good lines', async () => {
    const data = await pairList('bad-line');
    const list = path.join(data, 'train.txt');
    writeFileSync(list, `images/f0.png masks/f0.png extra\r\n${readFileSync(list, 'utf8')}`);
    const run = inspect([data, '--json']);
    expect(run.status).toBe(0);
    const result = lastJsonLine<InspectJson>(run.stdout);
    expect(result.format).toBe('pair-list');
    expect(result.splits).toEqual({ train: { listed: 3, usable: 2, unlabeled: 0 } });
    expect(result.problems).toEqual([
      {
        split: 'train',
        sample: 'f0',
        path: list,
        reason: 'bad_list_line',
        detail:
          'train.txt line 1: expected "IMAGE ANNOTATION" (or "IMAGE" for an unlabeled image), got "images/f0.png masks/f0.png extra"',
      },
    ]);
  });
});
