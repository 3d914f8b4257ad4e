// Builds every process: renderer (Vite), then main-process entries, workers and the CLI
// (esbuild, CommonJS for Node/Electron), the Electron preload and the serve-mode bridge.
// Usage: node scripts/build.mjs [--no-renderer]
import { build as esbuild } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const skipRenderer = process.argv.includes('--no-renderer');

// Native and runtime packages stay in node_modules (they are unpacked from asar when packaged).
const external = ['electron', ...Object.keys(pkg.dependencies ?? {})];

// Sources use import.meta.url (ESM, as Vitest runs them); the CJS bundles get it from __filename.
const importMetaShim = {
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__importMetaUrl' },
};

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  external,
  logLevel: 'warning',
  ...importMetaShim,
};

async function buildNodeEntries() {
  const dir = path.join(root, 'main', 'entries');
  const entries = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  await Promise.all(
    entries.map((file) =>
      esbuild({
        ...nodeCommon,
        entryPoints: [path.join(dir, file)],
        outfile: path.join(root, 'out', 'main', file.replace(/\.ts$/, '.cjs')),
      }),
    ),
  );
  return entries.length;
}

async function buildPreload() {
  await esbuild({
    ...nodeCommon,
    entryPoints: [path.join(root, 'preload', 'electron.ts')],
    outfile: path.join(root, 'out', 'preload', 'electron.cjs'),
  });
  await esbuild({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: 'linked',
    logLevel: 'warning',
    entryPoints: [path.join(root, 'preload', 'web.ts')],
    outfile: path.join(root, 'out', 'renderer', 'bridge.js'),
  });
}

async function buildRenderer() {
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'vite.config.mts'), logLevel: 'warn' });
}

const started = Date.now();
if (!skipRenderer) {
  rmSync(path.join(root, 'out'), { recursive: true, force: true });
  await buildRenderer();
}
const count = await buildNodeEntries();
await buildPreload();
console.log(
  `[build] ${skipRenderer ? '' : 'renderer, '}${count} node entries, preload and bridge in ${((Date.now() - started) / 1000).toFixed(1)}s -> out/`,
);
