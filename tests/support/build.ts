import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Tests that run the bundled CLI or fork a built worker need out/main to match the sources.
 * `npm test` builds first; this keeps single-file runs (`vitest run tests/x`) honest too.
 */
export function ensureBuilt(): void {
  const marker = path.join(root, 'out', 'main', 'cli.cjs');
  const sourcesChanged = () =>
    Math.max(newestMtime(path.join(root, 'main')), newestMtime(path.join(root, 'shared'))) >
    statSync(marker).mtimeMs;
  if (existsSync(marker) && !sourcesChanged()) return;
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'scripts', 'build.mjs'), '--no-renderer'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
}
