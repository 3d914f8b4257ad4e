import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';

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

/**
 * For the enclosing describe block: bundles `entry` into a Node script as scripts/build.mjs
 * bundles the workers (CJS, sharp and zod external, `import.meta.url` shimmed), in a folder of
 * its own inside out/ (so it resolves sharp from node_modules like the real bundle, and races
 * no other test file for out/main), removed after the block. Returns the script's path.
 */
export function bundleForTest(entry: string, name: string): string {
  const bundleDir = path.join(root, 'out', `test-${name}-${process.pid}`);
  const bundle = path.join(bundleDir, `${name}.cjs`);
  beforeAll(async () => {
    await build({
      entryPoints: [entry],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['sharp', 'zod'],
      banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      define: { 'import.meta.url': '__importMetaUrl' },
      logLevel: 'warning',
    });
  });
  afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));
  return bundle;
}
