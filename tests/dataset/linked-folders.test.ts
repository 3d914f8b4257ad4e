/**
 * A dataset whose split folders are symbolic links to folders elsewhere (`train ->
 * /mnt/big/camvid/train`) opens with every sample usable: each linked folder's real path is one
 * of the dataset's allowed roots (main/fs/inside.ts). A FILE link in such a folder that leads
 * out of those roots is still `outside_dataset`; a folder link to `/`, to a folder holding the
 * dataset, to the home folder or to a system folder adds no root; export mirrors the linked
 * folders and leaves the escaping file out.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../main/dataset/open';
import { allowedRoots } from '../../main/fs/inside';
import { exportLabels } from '../../main/labels/export';
import { LabelStore } from '../../main/labels/store';
import { linkSplitFolders, makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';

const base = tempDir('linked-folders');
const dataset = makeMiniCamvid({ train: 3, val: 2 });
const elsewhere = path.join(base.dir, 'big-disk', 'camvid');
linkSplitFolders(dataset, elsewhere);
afterAll(() => {
  base.cleanup();
  rmSync(dataset, { recursive: true, force: true });
});

const trainNames = (): string[] => readdirSync(path.join(elsewhere, 'train')).sort();

describe('split folders that link to folders elsewhere', () => {
  it('open with every sample usable and the linked folders as allowed roots', async () => {
    const index = await openDataset(dataset, { deep: true });
    expect(index.problems).toEqual([]);
    expect(index.split('train').usable).toBe(3);
    expect(index.split('val').usable).toBe(2);
    const real = realpathSync(elsewhere);
    expect([...index.allowedRoots].sort()).toEqual(
      [
        path.resolve(dataset),
        ...['train', 'trainannot', 'val', 'valannot'].map((s) => path.join(real, s)),
      ].sort(),
    );
  });

  it('still refuse a file link in a linked folder that leads out of the roots', async () => {
    const name = trainNames()[0]!;
    const secret = path.join(base.dir, 'secret', name);
    mkdirSync(path.dirname(secret), { recursive: true });
    renameSync(path.join(elsewhere, 'train', name), secret);
    symlinkSync(secret, path.join(elsewhere, 'train', name));
    // A file link from one linked folder into another stays inside.
    const [valName] = readdirSync(path.join(elsewhere, 'valannot'));
    renameSync(path.join(elsewhere, 'valannot', valName!), path.join(elsewhere, 'spare.png'));
    symlinkSync(path.join('..', 'trainannot', name), path.join(elsewhere, 'valannot', valName!));
    const index = await openDataset(dataset);
    expect(index.problems.map((p) => [p.split, p.sample, p.reason])).toEqual([
      ['train', path.parse(name).name, 'outside_dataset'],
    ]);
    expect(index.problems[0]!.detail).toBe(
      `image ${path.join('train', name)} links to ${realpathSync(secret)}, outside the dataset folder; it is not read`,
    );
    expect(index.split('train').usable).toBe(2);
    expect(index.split('val').usable).toBe(2);

    // Export mirrors the linked folders as real ones, without the escaping file.
    const out = path.join(base.dir, 'export');
    const store = await LabelStore.open(path.join(base.dir, 'project'));
    await exportLabels(index.withLabels(store), store, { out, encoding: 'dataset' });
    expect(readdirSync(path.join(out, 'train')).sort()).toEqual(trainNames().slice(1));
    expect(readdirSync(path.join(out, 'valannot'))).toHaveLength(2);
    expect(existsSync(path.join(out, 'train', name))).toBe(false);
  });

  it('refuse a folder link to a folder that holds the dataset, naming the link', async () => {
    // val -> the folder the dataset lies in: its val images are found there but not followed.
    const parent = path.dirname(dataset);
    const valImages = path.join(dataset, 'val');
    const [valName] = readdirSync(valImages);
    const planted = path.join(parent, valName!);
    renameSync(path.join(elsewhere, 'val', valName!), planted);
    const valTarget = path.join(elsewhere, 'val');
    renameSync(valImages, path.join(base.dir, 'val-link-was'));
    symlinkSync(parent, valImages, 'dir');
    try {
      const index = await openDataset(dataset);
      const refused = index.problems.find((p) => p.split === 'val' && p.path.endsWith(valName!));
      expect(refused?.reason).toBe('outside_dataset');
      expect(refused?.detail).toBe(
        `image ${path.join('val', valName!)} is reached through the folder link ${valImages} -> ${realpathSync(parent)}, a folder that holds the dataset folder itself, which is not followed; it is not read (link the folder that holds the files instead)`,
      );
      expect(index.allowedRoots).not.toContain(realpathSync(parent));
    } finally {
      renameSync(planted, path.join(valTarget, valName!));
    }
  });

  it('add no root for a link to /, the home folder or a system folder', async () => {
    const root = path.join(base.dir, 'bounded');
    mkdirSync(root, { recursive: true });
    const links: [string, string][] = [
      ['disk', '/'],
      ['home', os.homedir()],
      ['config', '/etc'],
      ['devices', '/dev'],
    ];
    for (const [name, target] of links) symlinkSync(target, path.join(root, name), 'dir');
    const files = ['disk/etc/hostname', 'home/.bashrc', 'config/passwd', 'devices/zero'];
    const allowed = await allowedRoots(
      root,
      files.map((f) => path.join(root, f)),
    );
    expect(allowed.roots).toEqual([root]);
    expect(allowed.refused.map((r) => [path.basename(r.link), r.reason]).sort()).toEqual(
      [
        ['config', 'a system folder'],
        ['devices', 'a system folder'],
        ['disk', 'the filesystem root'],
        ['home', 'the home folder or a folder above it'],
      ].sort(),
    );
  });
});
