import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePng8 } from '../../main/dataset/codecs/png-index';
import { decodeMask } from '../../main/dataset/decode';
import { openDataset, type DatasetIndex, type SampleRecord } from '../../main/dataset/index';
import { readIdMask } from '../../main/dataset/label-source';
import { exportFile, exportLabels } from '../../main/labels/export';
import type { IdMask } from '../../main/labels/payload';
import { datasetMask, saveLabel } from '../../main/labels/samples';
import { LabelStore } from '../../main/labels/store';
import { FORMAT_LAYOUTS, makeAde20k } from '../dataset/fixtures/formats';
import { makeCityscapes, makeCvat, makeMmseg } from '../dataset/fixtures/exports';
import { tempDir, treeFingerprint } from '../support/folders';

/** Every generated layout that has masks, with the encoding its masks use. */
const FORMATS: [string, (root: string) => Promise<void>][] = [
  ...FORMAT_LAYOUTS,
  ['CVAT mask 1.1 (colour, labelmap.txt)', async (root) => void (await makeCvat(root))],
  ['MMSegmentation (index, 255 ignored)', async (root) => void (await makeMmseg(root))],
  ['Cityscapes (labelIds)', async (root) => void (await makeCityscapes(root))],
];

const samplesOf = (index: DatasetIndex): SampleRecord[] =>
  Object.values(index.splits).flatMap((s) => [...s.samples]);

/** Ids per pixel of a sample's current mask (edit, else the dataset's file). */
async function idsOf(index: DatasetIndex, record: SampleRecord): Promise<IdMask> {
  const keys = await index.readMask(record);
  return { ...keys, ids: index.mapper.idsOfKeys(keys.keys, 65_535) };
}

describe.each(FORMATS)('labels export round trip: %s', (_name, make) => {
  const work = tempDir('labels-export');
  const root = path.join(work.dir, 'data');
  const projectDir = path.join(work.dir, 'project');
  afterAll(() => work.cleanup());

  it('untouched masks keep their pixels, an edit changes exactly its pixels', async () => {
    await make(root);
    const before = treeFingerprint(root);
    const store = await LabelStore.open(projectDir);
    const index = (await openDataset(root)).withLabels(store);
    const records = samplesOf(index);
    expect(records.length).toBeGreaterThan(1);
    const target = records[0]!;
    // The edit: a 5x3 block of the last trainable class.
    const classId = index.mapper.classes.at(-1)!.datasetId;
    const original = await datasetMask(index, target);
    const edited = Uint8Array.from(original.ids);
    const changed = new Set<number>();
    for (let y = 2; y < 5; y++)
      for (let x = 1; x < 6; x++) {
        const p = y * original.width + x;
        if (edited[p] !== classId) changed.add(p);
        edited[p] = classId;
      }
    expect(changed.size).toBeGreaterThan(0);
    await saveLabel(index, store, {
      split: target.split,
      id: target.id,
      mask: { width: original.width, height: original.height, ids: edited },
      baseRevision: 0,
      source: 'human',
    });
    expect(index.currentMask(target).origin).toBe('edit');

    // dataset encoding: a copy that re-opens as the same format with the same masks.
    const out = path.join(work.dir, 'export-dataset');
    await exportLabels(index, store, { out, encoding: 'dataset' });
    expect(treeFingerprint(root)).toEqual(before);
    const reopened = await openDataset(out);
    expect(reopened.descriptor.format).toBe(index.descriptor.format);
    expect(reopened.descriptor.encoding).toBe(index.descriptor.encoding);
    for (const record of records) {
      const copy = reopened.findSample(record.id, record.split)!;
      expect(copy).toBeDefined();
      if (record !== target) {
        const a = await decodeMask(record.annotation, index.descriptor.encoding);
        const b = await decodeMask(copy.annotation, index.descriptor.encoding);
        expect(Buffer.from(b.keys.buffer).equals(Buffer.from(a.keys.buffer))).toBe(true);
        continue;
      }
      const now = await idsOf(reopened, copy);
      const was = await idsOf(
        index.withLabels({ editOf: () => null, generation: () => 0 }),
        record,
      );
      let differ = 0;
      for (let p = 0; p < now.ids.length; p++) {
        if (now.ids[p] !== was.ids[p]) {
          differ++;
          expect(changed.has(p)).toBe(true);
          expect(now.ids[p]).toBe(classId);
        }
      }
      expect(differ).toBe(changed.size);
    }

    // index / palette / colour: one PNG per sample holding the current ids.
    for (const encoding of ['index', 'palette', 'colour'] as const) {
      const dir = path.join(work.dir, `export-${encoding}`);
      await exportLabels(index, store, { out: dir, encoding });
      for (const record of records) {
        const file = exportFile(dir, record);
        const expected = record === target ? edited : (await datasetMask(index, record)).ids;
        if (encoding === 'index') {
          const read = await readIdMask(file);
          expect(Array.from(read.ids)).toEqual(Array.from(expected));
        } else {
          const png = (await decodePng8(readFileSync(file)))!;
          for (let p = 0; p < expected.length; p += 7) {
            const id = expected[p]!;
            const color = index.descriptor.classes.find((c) => c.id === id)?.color;
            if (encoding === 'palette') {
              expect(png.data[p]).toBe(id);
              if (color)
                expect(Array.from(png.palette!.subarray(id * 3, id * 3 + 3))).toEqual(color);
            } else if (color) {
              expect(Array.from(png.data.subarray(p * 3, p * 3 + 3))).toEqual(color);
            }
          }
        }
      }
      if (encoding === 'colour') {
        const map = readFileSync(path.join(dir, 'labelmap.txt'), 'utf8');
        for (const c of index.descriptor.classes)
          expect(map).toContain(`${c.name}:${c.color.join(',')}::`);
      }
    }
  });
});

describe('labels export --in-place', () => {
  const work = tempDir('labels-inplace');
  const root = path.join(work.dir, 'ADE');
  const projectDir = path.join(work.dir, 'project');
  afterAll(() => work.cleanup());

  it('keeps each original in labels/originals before replacing it', async () => {
    await makeAde20k(root);
    const store = await LabelStore.open(projectDir);
    const index = (await openDataset(root)).withLabels(store);
    const target = samplesOf(index)[0]!;
    const originalBytes = readFileSync(target.annotation);
    const mask = await datasetMask(index, target);
    const ids = Uint8Array.from(mask.ids).fill(3);
    await saveLabel(index, store, {
      split: target.split,
      id: target.id,
      mask: { ...mask, ids },
      baseRevision: 0,
      source: 'human',
    });
    await exportLabels(index, store, { out: root, encoding: 'dataset', inPlace: true });
    const kept = path.join(
      projectDir,
      'labels',
      'originals',
      path.relative(index.descriptor.root, target.annotation),
    );
    expect(readFileSync(kept).equals(originalBytes)).toBe(true);
    const now = await decodeMask(target.annotation, 'index');
    expect(Array.from(now.keys).every((v) => v === 3)).toBe(true);
    // The dataset's file now holds the edit, so it is the current mask again.
    expect(index.currentMask(target).origin).toBe('dataset');
  });
});
