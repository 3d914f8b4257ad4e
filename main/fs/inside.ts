/**
 * Whether a path lies inside a folder, as written and after following links, and which folders
 * a dataset's files may really lie in: the one rule behind the media route's confinement, the
 * dataset open's check of linked samples (so training, prediction and the app), thumbnails and
 * export. A dataset's allowed roots are its own real path plus the real path of each directory
 * link the user made inside it (`train -> /mnt/big/camvid/train`), unless that target would
 * open far more than a dataset: the filesystem root, a folder holding the dataset itself, the
 * home folder or above, or a system folder. A FILE link is never a root: it is inside only when
 * its real path lies under one of the roots.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** True when `candidate` is `root` itself or inside it (never a sibling like `root-evil`). */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  // A file named `..foo` inside the root is fine; only a leading `..` component escapes.
  return relative === '' || (relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative));
}

/** The path with every link followed, or null when it cannot be resolved (missing, a loop). */
export async function realpathOrNull(p: string): Promise<string | null> {
  try {
    return await fs.realpath(p);
  } catch {
    return null;
  }
}

/** The real path of each root that exists (what a file's real path is checked against). */
export async function realRootsOf(roots: readonly string[]): Promise<string[]> {
  const real = await Promise.all(roots.map((r) => realpathOrNull(path.resolve(r))));
  return real.filter((r): r is string => r !== null);
}

/** A directory link inside the dataset whose target is not made a root, and why. */
export interface RefusedLink {
  /** The link as written, under the dataset folder. */
  readonly link: string;
  readonly target: string;
  readonly reason: string;
}

/** Where a dataset's files may really lie (see the file comment). */
export interface AllowedRoots {
  /** The dataset folder as given, then the real path of every accepted directory link. */
  readonly roots: readonly string[];
  /** Real paths of `roots`: what a file's real path must lie under. */
  readonly realRoots: readonly string[];
  readonly refused: readonly RefusedLink[];
}

/** Folders of the operating system a dataset link never opens (devices, kernel, config). */
const SYSTEM_DIRS = ['/proc', '/sys', '/dev', '/etc', '/boot'];

/** Why `target` (a real directory path) may not become a root of the dataset at `realRoot`. */
function refusal(target: string, realRoot: string): string | null {
  if (isInside(target, realRoot)) {
    return path.dirname(target) === target
      ? 'the filesystem root'
      : 'a folder that holds the dataset folder itself';
  }
  const home = os.homedir();
  if (home && isInside(target, home)) return 'the home folder or a folder above it';
  if (process.platform !== 'win32' && SYSTEM_DIRS.some((d) => isInside(d, target))) {
    return 'a system folder';
  }
  return null;
}

/**
 * The allowed roots of the dataset at `root`, from the folders its files are listed in: every
 * folder between `root` and a file's folder that is a link to a directory is looked at once.
 * Links whose target is already inside the dataset add nothing; refused ones are reported.
 */
export async function allowedRoots(root: string, files: Iterable<string>): Promise<AllowedRoots> {
  const lexicalRoot = path.resolve(root);
  const realRoot = (await realpathOrNull(lexicalRoot)) ?? lexicalRoot;
  const dirs = new Set<string>();
  for (const file of files) {
    if (file === '' || !isInside(lexicalRoot, path.resolve(file))) continue;
    for (let d = path.dirname(path.resolve(file)); d !== lexicalRoot; d = path.dirname(d)) {
      if (dirs.has(d)) break; // its parents were added with it
      dirs.add(d);
    }
  }
  const linked = new Set<string>();
  const refused: RefusedLink[] = [];
  for (const dir of [...dirs].sort()) {
    const stats = await fs.lstat(dir).catch(() => null);
    if (!stats?.isSymbolicLink()) continue;
    const target = await realpathOrNull(dir);
    if (!target || isInside(realRoot, target) || linked.has(target)) continue;
    if (!(await fs.stat(target).catch(() => null))?.isDirectory()) continue;
    const reason = refusal(target, realRoot);
    if (reason) refused.push({ link: dir, target, reason });
    else linked.add(target);
  }
  return {
    roots: [lexicalRoot, ...linked],
    realRoots: [realRoot, ...linked],
    refused,
  };
}

/** True when the real path `real` lies in one of `realRoots` (no file system access). */
export function isUnderAnyRoot(realRoots: readonly string[], real: string): boolean {
  return realRoots.some((root) => isInside(root, real));
}

/** Where `file` really is when that lies outside every one of `realRoots`; null when inside or missing. */
export async function realPathOutside(
  file: string,
  realRoots: readonly string[],
): Promise<string | null> {
  if (file === '') return null; // no file (realpath('') would be the working folder)
  const real = await realpathOrNull(file);
  return real && !isUnderAnyRoot(realRoots, real) ? real : null;
}
