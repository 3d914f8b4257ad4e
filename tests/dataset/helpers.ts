import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export { CAMVID } from '../support/datasets';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
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
