import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * The installed package's root, found by walking up from this module. Works from the TS
 * sources (tests) and from the bundles in out/main (CLI, Electron, workers) alike.
 */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (pkg.name === 'seg-studio') return (cachedRoot = dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot locate the seg-studio package root');
    dir = parent;
  }
}

export function appVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Path of a bundled entry point (out/main/NAME.cjs); tests need `npm run build` first. */
export function builtEntry(name: string): string {
  const file = path.join(packageRoot(), 'out', 'main', `${name}.cjs`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return file;
}

export function resourcesDir(): string {
  return path.join(packageRoot(), 'resources');
}
