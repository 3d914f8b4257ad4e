/**
 * Whether a path lies inside a folder, as written and after following links: the one rule
 * behind the media route's confinement and the dataset open's check of linked samples.
 */
import { promises as fs } from 'node:fs';
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
