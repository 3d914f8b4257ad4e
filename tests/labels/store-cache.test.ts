import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readIdMask } from '../../main/dataset/label-source';
import { LabelStore } from '../../main/labels/store';
import { tempDir, type TempDir } from '../support/folders';

const W = 64;
const H = 48;
function maskOf(fill: number) {
  return { width: W, height: H, ids: new Uint8Array(W * H).fill(fill) };
}
const save = (store: LabelStore, fill: number, baseRevision: number | null) =>
  store.save({
    ...{ split: 'train', id: 'a', mask: maskOf(fill), baseRevision },
    ...{ source: 'human', datasetSha256: null },
  });

let project: TempDir;
afterEach(() => project.cleanup());

// The store keeps the masks it just saved in memory (a save from patches re-reads the current
// mask); these prove what it returns is always what the index names on disk.
describe('label store: current masks kept in memory', () => {
  it('returns the mask just saved, equal to the file the index names', async () => {
    project = tempDir('store-cache');
    const store = await LabelStore.open(project.dir);
    await save(store, 3, null);
    const read = await store.readRevision('train', 'a');
    const entry = store.entry('train', 'a')!;
    const onDisk = await readIdMask(path.join(store.layout.dir, entry.file!));
    expect(Array.from(read!.ids)).toEqual(Array.from(onDisk.ids));
    expect(read!.ids.every((v) => v === 3)).toBe(true);
  });

  it('sees a save made by another process once the index is re-read', async () => {
    project = tempDir('store-cache');
    const mine = await LabelStore.open(project.dir);
    await save(mine, 3, null);
    expect((await mine.readRevision('train', 'a'))!.ids[0]).toBe(3);
    const other = await LabelStore.open(project.dir);
    await save(other, 7, 1);
    await mine.reload();
    expect(mine.entry('train', 'a')!.revision).toBe(2);
    expect((await mine.readRevision('train', 'a'))!.ids.every((v) => v === 7)).toBe(true);
    // An older revision still comes from its own file.
    expect((await mine.readRevision('train', 'a', 1))!.ids.every((v) => v === 3)).toBe(true);
  });
});
