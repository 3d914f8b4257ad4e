// Placing a libtensorflow into tfjs-node/deps (real files, SONAME aliases, headers), finding one in a
// folder, the completion marker of an extracted cache entry, and the paths a provisioning attempt
// replaces. Its own file: the sources stage, the entry point backs up what staging overwrites.

import fs from 'node:fs';
import path from 'node:path';

import { readElfInfo } from './elf.mjs';
import {
  exists,
  fmtMs,
  linkOrCopyFile,
  linkOrCopyTree,
  log,
  readJson,
  rmrf,
  writeJsonAtomic,
} from './util.mjs';

// ---------------------------------------------------------------------------
// Staging a libtensorflow into tfjs-node/deps
// ---------------------------------------------------------------------------

export function tfjsDepsConstants(tfjs) {
  try {
    return tfjs.req('./scripts/deps-constants.js');
  } catch {
    return { LIBTENSORFLOW_VERSION: '2.9.1' };
  }
}

/**
 * Put {lib, framework, include} into tfjs-node/deps:
 *   deps/lib/<SONAME of lib>        real file (hard link to the cache when possible, else a copy)
 *   deps/lib/<SONAME of framework>  real file
 *   deps/lib/libtensorflow.so, libtensorflow.so.2, libtensorflow.so.<tfjs's LIBTENSORFLOW_VERSION>   -> symlinks
 *   deps/lib/libtensorflow_framework.so{,.2,.<ver>}                                                 -> symlinks
 *   deps/include/...                whole include tree (hard links / copies)
 * Real files (not links into ~/.cache) keep electron-builder packaging self-contained.
 */
export function stageDeps(tfjs, found) {
  const ver = tfjsDepsConstants(tfjs).LIBTENSORFLOW_VERSION;
  rmrf(tfjs.depsDir);
  fs.mkdirSync(tfjs.depsLib, { recursive: true });
  const modes = new Set();
  const place = (src, base) => {
    const soname = readElfInfo(src).soname || `${base}.so.2`;
    modes.add(linkOrCopyFile(src, path.join(tfjs.depsLib, soname)));
    for (const alias of [`${base}.so`, `${base}.so.2`, `${base}.so.${ver}`]) {
      if (alias === soname) continue;
      fs.symlinkSync(soname, path.join(tfjs.depsLib, alias));
    }
    return soname;
  };
  const libName = place(found.lib, 'libtensorflow');
  const fwName = place(found.framework, 'libtensorflow_framework');
  const t0 = Date.now();
  const inc = linkOrCopyTree(found.include, tfjs.depsInclude);
  modes.add(inc.mode);
  log(
    `  staged deps/lib/${libName}, deps/lib/${fwName} (+ aliases) and ${inc.files} headers ` +
      `(${[...modes].join('/')}, ${fmtMs(Date.now() - t0)})`,
  );
  return { libName, fwName, mode: [...modes].join('/') };
}

/** Find lib/framework/include inside a user-supplied or extracted directory. */
export function findLayout(dir) {
  const libDirs = [
    path.join(dir, 'lib'),
    path.join(dir, 'lib64'),
    dir,
    path.join(dir, 'tensorflow'),
  ];
  const pick = (names, prefix) => {
    for (const d of libDirs) {
      for (const n of names) if (exists(path.join(d, n))) return path.join(d, n);
      try {
        const hit = fs
          .readdirSync(d)
          .filter((f) => f.startsWith(prefix))
          .sort()[0];
        if (hit) return path.join(d, hit);
      } catch {
        /* not a dir */
      }
    }
    return null;
  };
  const lib = pick(
    ['libtensorflow.so.2', 'libtensorflow.so', 'libtensorflow_cc.so.2', 'libtensorflow_cc.so'],
    'libtensorflow.so.2.',
  );
  const framework = pick(
    ['libtensorflow_framework.so.2', 'libtensorflow_framework.so'],
    'libtensorflow_framework.so.2.',
  );
  const include = [path.join(dir, 'include'), path.join(dir, 'tensorflow', 'include'), dir].find(
    (d) =>
      exists(path.join(d, 'tensorflow', 'c', 'c_api.h')) &&
      exists(path.join(d, 'tensorflow', 'c', 'eager', 'c_api.h')),
  );
  const missing = [];
  if (!lib) missing.push('lib/libtensorflow.so[.2] (or libtensorflow_cc.so.2)');
  if (!framework) missing.push('lib/libtensorflow_framework.so[.2]');
  if (!include) missing.push('include/tensorflow/c/c_api.h and include/tensorflow/c/eager/c_api.h');
  return missing.length ? { missing } : { lib, framework, include };
}

export function markerOk(dir) {
  const m = readJson(path.join(dir, '.segstudio-complete.json'));
  return m && findLayout(dir).lib ? m : null;
}

export function writeMarker(dir, data) {
  writeJsonAtomic(path.join(dir, '.segstudio-complete.json'), {
    ...data,
    time: new Date().toISOString(),
  });
}

/** deps/, the binding dir lib/ and node-gyp's build dirs (build/, build-tmp-napi-vN/ for N-API builds). */
export function movablePaths(tfjs) {
  const builds = fs
    .readdirSync(tfjs.dir)
    .filter((f) => /^build(-tmp-napi-v\d+)?$/.test(f))
    .map((f) => path.join(tfjs.dir, f));
  return [tfjs.depsDir, tfjs.bindingRoot, ...new Set([tfjs.buildDir, ...builds])];
}
