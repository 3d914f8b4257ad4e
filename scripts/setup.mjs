#!/usr/bin/env node
// Seg Studio `npm run setup`: provisions what `npm ci` cannot (install scripts are off, see .npmrc).
//
// 1. Native TensorFlow backend for @tensorflow/tfjs-node (libtensorflow + tfjs_binding.node).
//    Goal: require('@tensorflow/tfjs-node') loads the native binding and tf.getBackend() === 'tensorflow'.
//    If that is already true (checked in a child process), nothing is done. Otherwise libtensorflow is
//    taken from the first source that works, in this order (choose/reorder with SEGSTUDIO_NATIVE_SOURCES):
//
//    (a) download  tfjs-node's own scripts/install.js (libtensorflow 2.9.1 from storage.googleapis.com,
//                  prebuilt binding). Only tried if a HEAD request to that URL answers within 5 s
//                  (SEGSTUDIO_NET_TIMEOUT_MS), so offline machines do not hang. Honours TFJS_NODE_CDN_STORAGE,
//                  TFJS_NODE_BASE_URI, HTTPS_PROXY like install.js does.
//    (b) dir       SEGSTUDIO_LIBTENSORFLOW=<path>, one of:
//                  - a directory with
//                      lib/libtensorflow.so.2 (or libtensorflow.so, libtensorflow.so.2.X.Y, libtensorflow_cc.so.2)
//                      lib/libtensorflow_framework.so.2 (or libtensorflow_framework.so[.2.X.Y])
//                      include/tensorflow/c/c_api.h, include/tensorflow/c/eager/c_api.h and everything they
//                      include (for TF >= 2.16 that means include/xla/tsl/..., so use the complete tree)
//                    i.e. the layout of Google's libtensorflow-cpu-linux-x86_64-X.Y.Z.tar.gz once unpacked;
//                    an unpacked tensorflow wheel's tensorflow/ dir (libtensorflow_cc.so.2 + include/) also works;
//                  - a .tar.gz/.tgz with that layout at its top level (Google's tarball as downloaded);
//                  - a tensorflow / tensorflow-cpu .whl file (manylinux, same as (c) without pip).
//                  The libraries must be Linux ELF shared objects for this CPU architecture exporting the
//                  TF_* C API and TFE_* eager C API (checked with `nm -D`, else by loading with python3 ctypes).
//                  Archives are unpacked once into $CACHE/user/.
//    (c) pypi      `python3 -m pip download --no-deps tensorflow-cpu==2.21.0` (SEGSTUDIO_TF_PYPI_SPEC) into
//                  $CACHE/wheels, then tensorflow/libtensorflow_cc.so.2, tensorflow/libtensorflow_framework.so.2
//                  and tensorflow/include/ are extracted (python3 zipfile; unzip as fallback) into
//                  $CACHE/<name>-<version>/{lib,include}; the 274 MB wheel is deleted afterwards unless
//                  SEGSTUDIO_KEEP_WHEEL=1. Re-runs (e.g. after `npm ci` wiped node_modules) reuse the extraction.
//
//    For (b) and (c) the library is staged into node_modules/@tensorflow/tfjs-node/deps/:
//      deps/lib/<SONAME>  real files (hard links to the cache when on the same filesystem, else copies), so
//                         electron-builder packages real files, never links into ~/.cache;
//      deps/lib/libtensorflow.so, .so.2, .so.2.9.1 and libtensorflow_framework.so* -> relative symlinks
//                         (the names binding.gyp links with and install.js looks for);
//      deps/include/      the complete header tree;
//    then `node-pre-gyp install --build-from-source` (cwd tfjs-node) compiles the binding with node-gyp
//    (npm's bundled one, passed as npm_config_node_gyp) against the local Node headers (npm_config_nodedir
//    = the prefix holding include/node/node.h, detected from process.execPath), ~10-30 s.
//    Each result is verified by loading tfjs-node in a fresh process and running matMul + conv2d.
//    Setup does not touch TF_ENABLE_ONEDNN_OPTS; the app turns oneDNN on for x64 at load (main/native/backend.ts).
//    $CACHE = SEGSTUDIO_CACHE_DIR or ${XDG_CACHE_HOME:-~/.cache}/segstudio/libtensorflow.
//
//    If every source fails: a loud warning (the app falls back to the slow pure-JS backend), the previous
//    deps/ and binding are restored, exit code 0 -- or 1 with SEGSTUDIO_REQUIRE_NATIVE=1 (CI).
//
// 2. Electron binary (node_modules/electron/dist) for `npm start`: from SEGSTUDIO_ELECTRON_ZIP, from
//    @electron/get's cache, or via electron/install.js when GitHub/ELECTRON_MIRROR answers within 5 s.
//    Never fails setup. Skipped when CI=true or SEGSTUDIO_SKIP_ELECTRON=1.
//
// 3. With --with-chromium: Debian chromium (/usr/bin/chromium) for the e2e tests (apt-get when root).
//
// Status for `segstudio doctor`: node_modules/.segstudio-native.json. Full log: node_modules/.segstudio-setup.log.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { provisionChromium } from './provision/chromium.mjs';
import { provisionElectron } from './provision/electron.mjs';
import {
  ALL_SOURCES,
  DEFAULT_PYPI_SPEC,
  provisionNative,
  restoreBackup,
} from './provision/tfjs-native.mjs';
import {
  acquireLock,
  banner,
  envFlag,
  fmtMs,
  getLogFile,
  killActiveChildren,
  log,
  readJson,
  setLogFile,
  warn,
  writeJsonAtomic,
} from './provision/util.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STATUS_FILE = path.join(ROOT, 'node_modules', '.segstudio-native.json');
const LOG_FILE = path.join(ROOT, 'node_modules', '.segstudio-setup.log');
const LOCK_FILE = path.join(ROOT, 'node_modules', '.segstudio-setup.lock');

const HELP = `Usage: npm run setup -- [options]      (or: node scripts/setup.mjs [options])

Provisions the native TensorFlow backend of @tensorflow/tfjs-node, the Electron binary and,
on request, Debian chromium. Safe to re-run: a working install is detected in ~1-2 s and left alone.

Options:
  --with-chromium   also install Debian chromium for the e2e tests when /usr/bin/chromium is missing
                    (runs apt-get update && apt-get install -y chromium when root; prints the command otherwise)
  --force           re-provision the native backend even if it already works
  --skip-electron   do not touch the Electron binary (same as SEGSTUDIO_SKIP_ELECTRON=1)
  -h, --help        show this help

Environment:
  SEGSTUDIO_NATIVE_SOURCES  libtensorflow sources to try, in order (default: ${ALL_SOURCES.join(',')})
                              download  tfjs-node's own download (needs storage.googleapis.com)
                              dir       SEGSTUDIO_LIBTENSORFLOW
                              pypi      the tensorflow-cpu wheel via pip
  SEGSTUDIO_LIBTENSORFLOW   a libtensorflow directory (lib/ + include/), a .tar.gz of one (Google's
                            libtensorflow-cpu-linux-x86_64-*.tar.gz), or a tensorflow(-cpu) .whl
  SEGSTUDIO_TF_PYPI_SPEC    pip requirement for the pypi source (default: ${DEFAULT_PYPI_SPEC})
  SEGSTUDIO_CACHE_DIR       libtensorflow cache (default: ~/.cache/segstudio/libtensorflow)
  SEGSTUDIO_KEEP_WHEEL=1    keep the downloaded wheel in the cache after extraction
  SEGSTUDIO_REQUIRE_NATIVE=1  exit 1 if the native backend cannot be provisioned (CI)
  SEGSTUDIO_NET_TIMEOUT_MS  timeout of the reachability checks (default: 5000)
  SEGSTUDIO_SKIP_ELECTRON=1, CI=true   skip the Electron step
  SEGSTUDIO_ELECTRON_ZIP    path to electron-v<version>-<platform>-<arch>.zip to install offline
  ELECTRON_MIRROR, electron_config_cache   honoured by electron/install.js
  TFJS_NODE_CDN_STORAGE, TFJS_NODE_BASE_URI, HTTPS_PROXY   honoured by tfjs-node's install script
  npm_config_nodedir, npm_config_node_gyp, PYTHON   override the detected Node headers / node-gyp / python

Exit code: 0 on success and when the native backend is unavailable (a warning is printed; the app then
uses the slow pure-JS backend); 1 with SEGSTUDIO_REQUIRE_NATIVE=1 and no native backend, when
--with-chromium was given and apt-get failed, or on bad usage.
Files: node_modules/.segstudio-native.json (status, read by \`segstudio doctor\`),
       node_modules/.segstudio-setup.log (full output of the last run).
`;

function parseArgs(argv) {
  const opts = { help: false, force: false, withChromium: false, skipElectron: false };
  for (const a of argv) {
    if (a === '-h' || a === '--help') opts.help = true;
    else if (a === '--force') opts.force = true;
    else if (a === '--with-chromium') opts.withChromium = true;
    else if (a === '--skip-electron' || a === '--no-electron') opts.skipElectron = true;
    else {
      console.error(`[setup] unknown option: ${a}\n`);
      console.error(HELP);
      process.exit(1);
    }
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const t0 = Date.now();
  if (!fs.existsSync(path.join(ROOT, 'node_modules'))) {
    console.error('[setup] node_modules is missing: run `npm ci` first');
    return 1;
  }
  if (opts.skipElectron) process.env.SEGSTUDIO_SKIP_ELECTRON = '1';
  setLogFile(LOG_FILE);
  const release = await acquireLock(LOCK_FILE);

  let tfjsForCleanup = null;
  const onSignal = (sig) => {
    console.error(`\n[setup] ${sig}: stopping`);
    killActiveChildren();
    try {
      if (tfjsForCleanup && restoreBackup(tfjsForCleanup))
        console.error('[setup] restored the previous tfjs-node deps/ and binding');
    } catch {
      /* next run recovers */
    }
    release();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const previous = readJson(STATUS_FILE);
  let exitCode = 0;

  // 1. Native backend
  log('[1/3] TensorFlow native backend for @tensorflow/tfjs-node');
  const native = await provisionNative({
    root: ROOT,
    force: opts.force,
    previous,
    onTfjs: (t) => {
      tfjsForCleanup = t;
    },
  });
  if (!native.ok) {
    const lines = [
      'WARNING: the native TensorFlow backend is NOT available.',
      'Seg Studio will run on the pure-JS CPU backend: training and inference will be',
      'MUCH slower (typically 10-50x).',
      '',
      'Why:',
      ...native.reasons.map((r) => `  - ${r}`),
      '',
      'Fix: make one source work and re-run `npm run setup`, e.g.',
      '  SEGSTUDIO_LIBTENSORFLOW=/path/to/libtensorflow-cpu-linux-x86_64-2.x.y.tar.gz npm run setup',
      '  or make PyPI reachable for `pip download tensorflow-cpu` (see `npm run setup -- --help`).',
      `Details: ${getLogFile() || LOG_FILE}`,
    ];
    banner(lines);
    if (envFlag('SEGSTUDIO_REQUIRE_NATIVE')) {
      console.error('[setup] SEGSTUDIO_REQUIRE_NATIVE=1: failing.');
      exitCode = 1;
    }
  }

  // 2. Electron
  log('[2/3] Electron binary');
  let electron;
  try {
    electron = await provisionElectron({ root: ROOT });
  } catch (e) {
    warn(`Electron step failed unexpectedly: ${e.message}`);
    electron = { status: 'unavailable', reason: e.message };
  }

  // 3. Chromium (e2e)
  let chromium = { status: 'not-requested' };
  if (opts.withChromium) {
    log('[3/3] chromium for e2e tests');
    chromium = await provisionChromium();
    if (chromium.status === 'failed') exitCode = 1;
  } else {
    log('[3/3] chromium for e2e tests: not requested (pass --with-chromium)');
  }

  // Status file for `segstudio doctor`
  const { unchanged, ...nativeStatus } = native;
  const status = {
    ...nativeStatus,
    time: unchanged && previous?.time ? previous.time : new Date().toISOString(),
    checkedAt: new Date().toISOString(),
    node: {
      version: process.versions.node,
      napi: process.versions.napi,
      platform: process.platform,
      arch: process.arch,
    },
    electron,
    ...(opts.withChromium || previous?.chromium
      ? { chromium: opts.withChromium ? chromium : previous.chromium }
      : {}),
    logFile: LOG_FILE,
  };
  const comparable = (s) =>
    JSON.stringify({ ...s, checkedAt: undefined, time: undefined, durationMs: undefined });
  if (!unchanged || !previous || comparable(previous) !== comparable(status)) {
    writeJsonAtomic(STATUS_FILE, status);
    log(`status written to ${path.relative(ROOT, STATUS_FILE)}`);
  }
  log(
    `done in ${fmtMs(Date.now() - t0)}: native backend ${native.ok ? `OK (libtensorflow ${native.libtensorflowVersion}, source ${native.source})` : 'UNAVAILABLE'}, ` +
      `electron ${electron.status}${opts.withChromium ? `, chromium ${chromium.status}` : ''}`,
  );
  release();
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[setup] unexpected error: ${err.stack || err}`);
    process.exit(1);
  },
);
