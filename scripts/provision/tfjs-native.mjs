// Provision the native TensorFlow backend of @tensorflow/tfjs-node (libtensorflow + tfjs_binding.node).
// See the header of scripts/setup.mjs for the sources, their order and the environment variables.
// This file is the entry point (where tfjs-node is, which sources, backups, the order of attempts);
// the probe, the build, staging, extraction and the sources live in tfjs-*.mjs beside it.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { toolchain } from './tfjs-build.mjs';
import { probeBinding } from './tfjs-probe.mjs';
import { ALL_SOURCES, SOURCE_FNS, SOURCE_TITLES } from './tfjs-sources.mjs';
import { movablePaths } from './tfjs-stage.mjs';
import { exists, fmtMs, homeCacheDir, log, rmrf, warn } from './util.mjs';

export { findNodeDir, findNodeGyp } from './tfjs-build.mjs';
export { probeBinding } from './tfjs-probe.mjs';
export { ALL_SOURCES, DEFAULT_PYPI_SPEC } from './tfjs-sources.mjs';

const BACKUP_SUFFIX = '.segstudio-bak';

// ---------------------------------------------------------------------------
// Locations
// ---------------------------------------------------------------------------

export function locateTfjsNode(root) {
  const req = createRequire(path.join(root, 'package.json'));
  let pkgFile;
  try {
    pkgFile = req.resolve('@tensorflow/tfjs-node/package.json');
  } catch {
    return null;
  }
  const dir = path.dirname(pkgFile);
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  const depsDir = path.join(dir, 'deps');
  return {
    dir,
    pkgFile,
    version: pkg.version,
    depsDir,
    depsLib: path.join(depsDir, 'lib'),
    depsInclude: path.join(depsDir, 'include'),
    bindingRoot: path.join(dir, 'lib'), // node-pre-gyp module_path ./lib/napi-v{N}
    buildDir: path.join(dir, 'build'),
    req: createRequire(pkgFile),
  };
}

/** Where downloaded/extracted libtensorflow builds are cached (outside node_modules). */
export function cacheDir() {
  return process.env.SEGSTUDIO_CACHE_DIR
    ? path.resolve(process.env.SEGSTUDIO_CACHE_DIR)
    : path.join(homeCacheDir(), 'segstudio', 'libtensorflow');
}

export function selectedSources() {
  const raw = process.env.SEGSTUDIO_NATIVE_SOURCES;
  if (raw === undefined) return { sources: [...ALL_SOURCES], unknown: [] };
  const list = raw
    .split(/[\s,]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return {
    sources: list.filter((s) => ALL_SOURCES.includes(s)),
    unknown: list.filter((s) => !ALL_SOURCES.includes(s) && s !== 'none'),
  };
}

// ---------------------------------------------------------------------------
// Backups: never leave a previously working install broken
// ---------------------------------------------------------------------------

/** A previous run was killed mid-way (SIGKILL, power loss): put its backups back first. */
export function recoverInterrupted(tfjs) {
  if (restoreBackup(tfjs))
    warn(`restored tfjs-node's deps/ and binding left aside by an interrupted setup run`);
}

function backup(tfjs) {
  for (const p of movablePaths(tfjs)) {
    rmrf(p + BACKUP_SUFFIX);
    if (exists(p)) fs.renameSync(p, p + BACKUP_SUFFIX);
  }
}

export function restoreBackup(tfjs) {
  let restored = false;
  const baks = fs
    .readdirSync(tfjs.dir)
    .filter((f) => f.endsWith(BACKUP_SUFFIX))
    .map((f) => path.join(tfjs.dir, f.slice(0, -BACKUP_SUFFIX.length)));
  if (!baks.length) return false; // nothing was moved aside: the current state is the original one
  for (const p of movablePaths(tfjs)) rmrf(p); // half-made deps/, build/ of the failed attempt
  for (const p of baks) {
    rmrf(p);
    fs.renameSync(p + BACKUP_SUFFIX, p);
    restored = true;
  }
  return restored;
}

function dropBackup(tfjs) {
  for (const f of fs.readdirSync(tfjs.dir))
    if (f.endsWith(BACKUP_SUFFIX)) rmrf(path.join(tfjs.dir, f));
}

// ---------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------

/**
 * @returns the native part of the status file: {ok, backend, source, libtensorflowVersion, ..., reasons}
 */
export async function provisionNative({ root, force = false, previous = null, onTfjs = () => {} }) {
  const t0 = Date.now();
  const tfjs = locateTfjsNode(root);
  const base = {
    ok: false,
    backend: null,
    source: null,
    libtensorflowVersion: null,
    tfjsNodeVersion: tfjs?.version ?? null,
    reasons: [],
    attempts: [],
    paths: {},
  };
  if (!tfjs) {
    base.reasons.push('@tensorflow/tfjs-node is not installed in node_modules (run npm ci)');
    return base;
  }
  onTfjs(tfjs);
  const cache = cacheDir();
  base.paths = {
    tfjsNode: tfjs.dir,
    depsLib: tfjs.depsLib,
    depsInclude: tfjs.depsInclude,
    cache,
  };
  recoverInterrupted(tfjs);

  // Fast path: already working?
  log('checking whether @tensorflow/tfjs-node already loads with the native backend...');
  const probe0 = await probeBinding(root);
  if (probe0.ok && !force) {
    log(
      `native backend OK: backend 'tensorflow', libtensorflow ${probe0.tfVersion}, ` +
        `tfjs-node ${probe0.tfjsNodeVersion} (checked in ${fmtMs(probe0.ms)}); nothing to do`,
    );
    const keep = previous && previous.ok && previous.libtensorflowVersion === probe0.tfVersion;
    return {
      ...base,
      ...(keep ? previous : {}),
      forceFailed: undefined,
      ok: true,
      backend: probe0.backend,
      source: keep ? previous.source : 'existing',
      libtensorflowVersion: probe0.tfVersion,
      tfjsNodeVersion: probe0.tfjsNodeVersion,
      reasons: [],
      paths: { ...base.paths, ...(keep ? previous.paths : {}), binding: probe0.bindingPath },
      unchanged: true,
    };
  }
  if (probe0.ok)
    log(
      `native backend works (libtensorflow ${probe0.tfVersion}) but --force was given: provisioning again`,
    );
  else log(`not yet: ${probe0.error}`);

  const { sources, unknown } = selectedSources();
  if (unknown.length)
    warn(
      `SEGSTUDIO_NATIVE_SOURCES: ignoring unknown source(s) ${unknown.join(', ')} (known: ${ALL_SOURCES.join(', ')})`,
    );
  if (!sources.length)
    base.reasons.push(
      `no libtensorflow source enabled (SEGSTUDIO_NATIVE_SOURCES=${process.env.SEGSTUDIO_NATIVE_SOURCES})`,
    );
  log(`libtensorflow sources, in order: ${sources.join(', ') || '(none)'}; cache: ${cache}`);

  const tc = toolchain(root, tfjs);
  for (const n of tc.notes) warn(n);
  const ctx = { root, tfjs, tc, cache };

  backup(tfjs);
  let result = null;
  for (const name of sources) {
    log(`source ${SOURCE_TITLES[name]}:`);
    const ts = Date.now();
    let r;
    try {
      r = await SOURCE_FNS[name](ctx);
    } catch (e) {
      r = { ok: false, reason: `unexpected error: ${e.stack || e.message}` };
    }
    if (r.ok) {
      log('  verifying the binding in a fresh process (load + matMul + conv2d)...');
      const p = await probeBinding(root);
      if (p.ok) {
        result = { ...r, probe: p, name, ms: Date.now() - ts };
        base.attempts.push({ source: name, ok: true, ms: result.ms });
        break;
      }
      r = { ok: false, reason: `built, but the binding does not work: ${p.error}` };
    }
    base.reasons.push(`${name}: ${r.reason}`);
    base.attempts.push({ source: name, ok: false, reason: r.reason, ms: Date.now() - ts });
    log(`  -> ${r.quiet ? 'skipped' : 'failed'}: ${r.reason}`);
    if (r.output) console.warn(r.output.replace(/^/gm, '    | '));
  }

  if (!result) {
    for (const p of movablePaths(tfjs)) rmrf(p);
    if (restoreBackup(tfjs)) log('restored the previous tfjs-node deps/ and binding');
    if (probe0.ok) {
      // --force on a working install: the old one is back; make sure it still works.
      const p = await probeBinding(root);
      if (p.ok) {
        warn(
          `re-provisioning failed (${base.reasons.join('; ')}); kept the previous, working native install`,
        );
        const keep = previous && previous.ok ? previous : {};
        return {
          ...base,
          ...keep,
          ok: true,
          backend: p.backend,
          source: keep.source || 'existing',
          libtensorflowVersion: p.tfVersion,
          tfjsNodeVersion: p.tfjsNodeVersion,
          reasons: [],
          attempts: base.attempts,
          forceFailed: base.reasons,
          paths: { ...base.paths, ...(keep.paths || {}), binding: p.bindingPath },
          durationMs: Date.now() - t0,
        };
      }
    }
    return { ...base, durationMs: Date.now() - t0 };
  }
  dropBackup(tfjs);
  const p = result.probe;
  log(
    `native backend ready via '${result.name}': backend '${p.backend}', libtensorflow ${p.tfVersion} ` +
      `(TF_Version from the binding), in ${fmtMs(result.ms)}`,
  );
  return {
    ...base,
    ok: true,
    backend: p.backend,
    source: result.name,
    sourceDetail: result.detail,
    libtensorflowVersion: p.tfVersion,
    tfjsNodeVersion: p.tfjsNodeVersion,
    linkMode: result.linkMode,
    reasons: [],
    durationMs: Date.now() - t0,
    paths: {
      ...base.paths,
      binding: p.bindingPath,
      libtensorflow: result.libPath ? fs.realpathSync(result.libPath) : undefined,
      nodeHeaders: tc.nodeDir?.dir,
      nodeGyp: tc.nodeGyp,
    },
  };
}
