/**
 * Temporary folders for tests, and a fingerprint of a folder tree to prove a test (or the app)
 * left a user's files exactly as they were.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TempDir {
  /** A new, empty folder `segstudio-PREFIX-XXXXXX` in the OS temp dir. */
  readonly dir: string;
  /** Removes the folder and everything in it (safe to call twice). */
  cleanup(): void;
}

export function tempDir(prefix: string): TempDir {
  const dir = mkdtempSync(path.join(os.tmpdir(), `segstudio-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every entry below `root` with a content hash (files) or a marker (folders), sorted. */
export function treeFingerprint(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      const st = statSync(full);
      if (st.isDirectory()) {
        out[rel] = `dir ${st.mtimeMs}`;
        walk(full);
      } else {
        out[rel] = `${createHash('sha256').update(readFileSync(full)).digest('hex')} ${st.mtimeMs}`;
      }
    }
  };
  walk(root);
  return out;
}
