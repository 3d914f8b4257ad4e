/**
 * The real datasets tests run on, and small copies of them for tests that write (a project,
 * runs, edited masks): the CamVid original is read-only and never modified.
 */
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** The main checkout when `root` is a linked git worktree (its `.git` is a `gitdir:` file). */
function mainCheckoutOf(checkout: string): string | null {
  try {
    const gitdir = /^gitdir: (.+)$/m.exec(readFileSync(path.join(checkout, '.git'), 'utf8'))?.[1];
    if (!gitdir) return null;
    const worktreeGit = path.resolve(checkout, gitdir.trim());
    const common = readFileSync(path.join(worktreeGit, 'commondir'), 'utf8').trim();
    return path.dirname(path.resolve(worktreeGit, common));
  } catch {
    return null;
  }
}

/**
 * The read-only CamVid copy: SEGSTUDIO_SHARED_DIR/datasets/camvid, else
 * `../shared/datasets/camvid` beside the checkout (as CI lays it out) or beside the main
 * checkout of a git worktree. Tests fail loudly rather than skip when it is missing.
 */
export function camvidDir(): string {
  const main = mainCheckoutOf(root);
  const candidates = [
    process.env['SEGSTUDIO_SHARED_DIR'] &&
      path.join(process.env['SEGSTUDIO_SHARED_DIR'], 'datasets', 'camvid'),
    path.resolve(root, '..', 'shared', 'datasets', 'camvid'),
    main && path.resolve(main, '..', 'shared', 'datasets', 'camvid'),
  ].filter((c): c is string => typeof c === 'string' && c.length > 0);
  const found = candidates.find((dir) => existsSync(path.join(dir, 'train.txt')));
  if (!found) throw new Error(`CamVid not found; looked in: ${candidates.join(', ')}`);
  return found;
}

export const CAMVID = camvidDir();

/**
 * A few CamVid val images copied into the CamVid layout (list files with the original
 * foreign absolute paths, labels.json): `train` gets the first `train` images, `val` the next.
 */
export function makeMiniCamvid(
  counts: { train: number; val: number } = { train: 8, val: 4 },
): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-mini-camvid-'));
  const names = readFileSync(path.join(CAMVID, 'val.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => path.basename(line.split(' ')[0]!));
  copyFileSync(path.join(CAMVID, 'labels.json'), path.join(dir, 'labels.json'));
  let next = 0;
  for (const split of ['train', 'val'] as const) {
    mkdirSync(path.join(dir, split));
    mkdirSync(path.join(dir, `${split}annot`));
    const lines: string[] = [];
    for (let i = 0; i < counts[split]; i++) {
      const name = names[next++]!;
      copyFileSync(path.join(CAMVID, 'val', name), path.join(dir, split, name));
      copyFileSync(path.join(CAMVID, 'valannot', name), path.join(dir, `${split}annot`, name));
      lines.push(`/SegNet/CamVid/${split}/${name} /SegNet/CamVid/${split}annot/${name}`);
    }
    writeFileSync(path.join(dir, `${split}.txt`), `${lines.join('\n')}\n`);
  }
  return dir;
}

/**
 * The first `counts[split]` samples of each CamVid split, copied with labels.json. List lines
 * are kept verbatim (absolute paths from another machine), so the importer's re-rooting runs.
 */
export function copyCamvidSubset(counts: { train: number; val: number }, prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `segstudio-${prefix}-`));
  copyFileSync(path.join(CAMVID, 'labels.json'), path.join(dir, 'labels.json'));
  for (const split of ['train', 'val'] as const) {
    mkdirSync(path.join(dir, split));
    mkdirSync(path.join(dir, `${split}annot`));
    const lines = readFileSync(path.join(CAMVID, `${split}.txt`), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .slice(0, counts[split]);
    for (const line of lines) {
      const [image, annotation] = line.trim().split(/\s+/);
      for (const [file, sub] of [
        [image!, split],
        [annotation!, `${split}annot`],
      ] as const) {
        const name = path.basename(file);
        copyFileSync(path.join(CAMVID, sub, name), path.join(dir, sub, name));
      }
    }
    writeFileSync(path.join(dir, `${split}.txt`), `${lines.join('\n')}\n`);
  }
  return dir;
}

/**
 * Turns the last `count` samples of `split` in a CamVid-layout copy into unlabeled images:
 * their annotation files are deleted and their list lines keep only the image (an image no
 * mask exists for). Returns their ids in list order.
 */
export function unlabelLastOf(dir: string, split: string, count: number): string[] {
  const list = path.join(dir, `${split}.txt`);
  const lines = readFileSync(list, 'utf8').split('\n').filter(Boolean);
  const ids: string[] = [];
  const kept = lines.map((line, i) => {
    if (i < lines.length - count) return line;
    const [image, annotation] = line.trim().split(/\s+/);
    rmSync(path.join(dir, `${split}annot`, path.basename(annotation!)));
    ids.push(path.basename(image!, '.png'));
    return image!;
  });
  writeFileSync(list, `${kept.join('\n')}\n`);
  return ids;
}

/**
 * Moves the split folders of a CamVid-layout copy into `elsewhere` and leaves a symbolic link
 * to each in its place (`train -> ELSEWHERE/train`): a dataset whose files live on a big disk.
 */
export function linkSplitFolders(dir: string, elsewhere: string): void {
  mkdirSync(elsewhere, { recursive: true });
  for (const sub of ['train', 'trainannot', 'val', 'valannot']) {
    const inside = path.join(dir, sub);
    if (!existsSync(inside)) continue;
    cpSync(inside, path.join(elsewhere, sub), { recursive: true });
    rmSync(inside, { recursive: true });
    symlinkSync(path.join(elsewhere, sub), inside, 'dir');
  }
}
