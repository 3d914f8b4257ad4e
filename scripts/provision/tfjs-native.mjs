// Provision the native TensorFlow backend of @tensorflow/tfjs-node (libtensorflow + tfjs_binding.node).
// See the header of scripts/setup.mjs for the sources, their order and the environment variables.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { NODE_ARCH_TO_ELF, readElfInfo } from './elf.mjs';
import {
  appendLog,
  checkUrl,
  describeRun,
  exists,
  fmtBytes,
  fmtMs,
  freeBytes,
  homeCacheDir,
  linkOrCopyFile,
  linkOrCopyTree,
  log,
  outputTail,
  netTimeoutMs,
  readJson,
  rmrf,
  run,
  warn,
  which,
  writeJsonAtomic,
} from './util.mjs';

export const ALL_SOURCES = ['download', 'dir', 'pypi'];
export const DEFAULT_PYPI_SPEC = 'tensorflow-cpu==2.21.0';

/**
 * Every C / eager C API function tfjs-node 4.22's binding (binding/*.cc) calls, except the header-inline
 * TF_TString_*. They may be split across the two libraries (TF 2.21: TF_NewStatus, TF_NewTensor, ... live in
 * libtensorflow_framework.so.2), so the union of both is checked.
 */
const REQUIRED_SYMBOLS = `
  TF_Version TF_NewStatus TF_DeleteStatus TF_GetCode TF_Message TF_NewTensor TF_AllocateTensor TF_DeleteTensor
  TF_TensorData TF_TensorByteSize TF_TensorElementCount TF_TensorType TF_NumDims TF_Dim TF_DataTypeSize
  TF_NewBuffer TF_NewBufferFromString TF_DeleteBuffer TF_NewGraph TF_DeleteGraph TF_GraphOperationByName
  TF_NewSessionOptions TF_DeleteSessionOptions TF_LoadSessionFromSavedModel TF_SessionRun TF_DeleteSession
  TF_DeviceListCount TF_DeviceListName TF_DeviceListType TF_DeleteDeviceList
  TFE_NewContextOptions TFE_DeleteContextOptions TFE_NewContext TFE_DeleteContext TFE_ContextListDevices
  TFE_NewOp TFE_DeleteOp TFE_OpAddInput TFE_Execute TFE_OpSetAttrBool TFE_OpSetAttrBoolList TFE_OpSetAttrFloat
  TFE_OpSetAttrFloatList TFE_OpSetAttrInt TFE_OpSetAttrIntList TFE_OpSetAttrShape TFE_OpSetAttrString
  TFE_OpSetAttrType TFE_NewTensorHandle TFE_DeleteTensorHandle TFE_TensorHandleResolve TFE_TensorHandleDataType
  TFE_TensorHandleNumDims TFE_TensorHandleDim TFE_TensorHandleCopyToDevice
`
  .trim()
  .split(/\s+/);

const PROBE_MARK = '@@SEGSTUDIO_PROBE@@';
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
// Probe: does require('@tensorflow/tfjs-node') work, in a fresh process?
// ---------------------------------------------------------------------------

const PROBE_SCRIPT = `
const out = {};
const t0 = Date.now();
try {
  const tf = require('@tensorflow/tfjs-node');
  out.loadMs = Date.now() - t0;
  out.backend = tf.getBackend();
  const be = tf.backend();
  out.tfVersion = be && be.binding ? be.binding.TF_Version : null;
  out.tfjsNodeVersion = tf.version['tfjs-node'];
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const m = tf.matMul(a, a).add(tf.scalar(1)).arraySync();
  const c = Array.from(tf.conv2d(tf.ones([1, 4, 4, 1]), tf.ones([3, 3, 1, 1]), 1, 'valid').dataSync());
  out.op = { matmul: m, conv: c };
  out.opOk = JSON.stringify(m) === '[[8,11],[16,23]]' && JSON.stringify(c) === '[9,9,9,9]';
  try {
    const pj = require.resolve('@tensorflow/tfjs-node/package.json');
    out.bindingPath = require('module').createRequire(pj)('@mapbox/node-pre-gyp').find(pj);
  } catch (e) {}
} catch (e) {
  out.error = String((e && e.message) || e);
}
process.stdout.write('\\n${PROBE_MARK}' + JSON.stringify(out) + '\\n');
`;

/**
 * Load tfjs-node in a child process (cwd = project root), run a matMul and a conv2d.
 * @returns {{ok:boolean, backend?:string, tfVersion?:string, tfjsNodeVersion?:string, bindingPath?:string, error?:string, ms:number}}
 */
export async function probeBinding(root, { timeoutMs = 120_000 } = {}) {
  const r = await run(process.execPath, ['-e', PROBE_SCRIPT], {
    cwd: root,
    capture: true,
    timeoutMs,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith(PROBE_MARK));
  if (!line) {
    const why = r.timedOut ? describeRun(r) : `probe process died (${describeRun(r)})`;
    const lastErr = r.stderr.trim().split('\n').slice(-3).join(' | ');
    return { ok: false, error: lastErr ? `${why}: ${lastErr}` : why, ms: r.ms };
  }
  const res = JSON.parse(line.slice(PROBE_MARK.length));
  res.ms = r.ms;
  if (res.error) {
    res.error = res.error.split('\n')[0].slice(0, 400);
  } else if (res.backend !== 'tensorflow') {
    res.error = `backend is '${res.backend}', not 'tensorflow'`;
  } else if (!res.opOk) {
    res.error = `native ops returned wrong results: ${JSON.stringify(res.op)}`;
  } else if (!res.tfVersion) {
    res.error = 'binding does not report TF_Version';
  }
  res.ok = !res.error;
  return res;
}

// ---------------------------------------------------------------------------
// Library checks
// ---------------------------------------------------------------------------

/**
 * Check an (alleged) libtensorflow pair: ELF machine matches this machine, and the C / eager C API the
 * binding needs is exported by lib + framework (`nm -D` when available, else by loading the library with
 * python3 ctypes, which also yields TF_Version()).
 */
async function verifyLibtensorflow(libPath, frameworkPath) {
  const want = NODE_ARCH_TO_ELF[os.arch()];
  let info;
  for (const f of [libPath, frameworkPath]) {
    let i;
    try {
      i = readElfInfo(f);
    } catch (e) {
      return { ok: false, reason: e.message };
    }
    if (want && i.machine !== want) {
      return {
        ok: false,
        reason: `${path.basename(f)} is built for ${i.machine}, this machine is ${want}`,
      };
    }
    info ??= i;
  }
  const nm = which('nm');
  if (nm) {
    const found = new Set();
    const re = /^[0-9a-fA-F]*\s+[TtWi]\s+(TFE?_[A-Za-z0-9_]+)(?:@@?\S+)?$/;
    let okAll = true;
    for (const f of [libPath, frameworkPath]) {
      let rest = '';
      const r = await run(nm, ['-D', '--defined-only', f], {
        logOutput: false,
        timeoutMs: 180_000,
        onStdout: (chunk) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop();
          for (const l of lines) {
            if (!l.includes(' TF')) continue;
            const m = re.exec(l);
            if (m) found.add(m[1]);
          }
        },
      });
      if (r.code !== 0) {
        okAll = false;
        appendLog(`nm failed on ${f} (${describeRun(r)}), falling back to ctypes`);
        break;
      }
    }
    if (okAll) {
      const missing = REQUIRED_SYMBOLS.filter((s) => !found.has(s));
      if (missing.length) {
        const names = `${path.basename(libPath)} + ${path.basename(frameworkPath)}`;
        const list =
          missing.length > 6
            ? `${missing.slice(0, 6).join(', ')} and ${missing.length - 6} more`
            : missing.join(', ');
        return { ok: false, reason: `${names} do not export ${list} (nm -D)`, info };
      }
      return {
        ok: true,
        method: `nm -D: all ${REQUIRED_SYMBOLS.length} C API functions the binding uses are exported`,
        info,
      };
    }
  }
  const py = which('python3') || which('python');
  if (py) {
    // Loading lib pulls in its NEEDED framework; dlsym on the handle searches both.
    const script = [
      'import ctypes, json, sys',
      'ctypes.CDLL(sys.argv[2], mode=ctypes.RTLD_GLOBAL)',
      'lib = ctypes.CDLL(sys.argv[1])',
      `missing = [s for s in ${JSON.stringify(REQUIRED_SYMBOLS)} if not hasattr(lib, s)]`,
      'lib.TF_Version.restype = ctypes.c_char_p',
      'print(json.dumps({"missing": missing, "version": lib.TF_Version().decode() if "TF_Version" not in missing else None}))',
    ].join('\n');
    const r = await run(py, ['-c', script, libPath, frameworkPath], {
      capture: true,
      timeoutMs: 120_000,
    });
    if (r.code === 0) {
      const j = JSON.parse(r.stdout.trim().split('\n').pop());
      if (j.missing.length)
        return {
          ok: false,
          reason: `${path.basename(libPath)} lacks ${j.missing.join(', ')}`,
          info,
        };
      return {
        ok: true,
        method: 'loaded with python3 ctypes, all C API functions present',
        version: j.version,
        info,
      };
    }
    return {
      ok: false,
      reason: `cannot load ${path.basename(libPath)}: ${r.stderr.trim().split('\n').pop()}`,
      info,
    };
  }
  return {
    ok: true,
    method: 'not checked (no nm, no python3); the binding load check will tell',
    info,
  };
}

// ---------------------------------------------------------------------------
// Build toolchain (node-gyp through node-pre-gyp)
// ---------------------------------------------------------------------------

function nodeHeaderVersion(dir) {
  try {
    const h = fs.readFileSync(path.join(dir, 'include', 'node', 'node_version.h'), 'utf8');
    const g = (k) => (h.match(new RegExp(`#define NODE_${k}_VERSION (\\d+)`)) || [])[1];
    return `${g('MAJOR')}.${g('MINOR')}.${g('PATCH')}`;
  } catch {
    return null;
  }
}

/** The directory that contains include/node/node.h for this Node (what npm_config_nodedir wants). */
export function findNodeDir() {
  const cands = [];
  if (process.env.npm_config_nodedir) cands.push(process.env.npm_config_nodedir);
  cands.push(path.dirname(path.dirname(process.execPath)));
  try {
    cands.push(path.dirname(path.dirname(fs.realpathSync(process.execPath))));
  } catch {
    /* ignore */
  }
  // node-gyp's own header cache (filled when it could download headers once)
  cands.push(path.join(homeCacheDir(), 'node-gyp', process.versions.node));
  for (const c of cands) {
    if (
      exists(path.join(c, 'include', 'node', 'node.h')) &&
      exists(path.join(c, 'include', 'node', 'common.gypi'))
    ) {
      return { dir: c, version: nodeHeaderVersion(c) };
    }
  }
  return null;
}

/** node-gyp's bin script: npm's bundled copy first (what `npm install` itself would use), then a local one. */
export function findNodeGyp(root) {
  const rel = path.join('node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const cands = [];
  if (process.env.npm_config_node_gyp) cands.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath)
    cands.push(path.join(path.dirname(process.env.npm_execpath), '..', rel));
  const npm = which('npm');
  if (npm) {
    try {
      cands.push(path.join(path.dirname(fs.realpathSync(npm)), '..', rel));
    } catch {
      /* ignore */
    }
  }
  cands.push(
    path.join(path.dirname(path.dirname(process.execPath)), 'lib', 'node_modules', 'npm', rel),
  );
  try {
    cands.push(createRequire(path.join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    /* ignore */
  }
  const hit = cands.find((c) => c.endsWith('.js') && exists(c));
  return hit ? path.resolve(hit) : null;
}

function toolchain(root, tfjs) {
  const missing = [];
  const notes = [];
  let nodePreGyp = null;
  try {
    nodePreGyp = tfjs.req.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp');
  } catch {
    missing.push('@mapbox/node-pre-gyp (dependency of tfjs-node; run npm ci)');
  }
  const nodeGyp = findNodeGyp(root);
  if (!nodeGyp) missing.push('node-gyp (normally bundled with npm; or `npm i -g node-gyp`)');
  const nodeDir = findNodeDir();
  if (!nodeDir) {
    notes.push(
      'Node headers not found next to this node (no include/node/node.h); node-gyp will try to download them ' +
        'from nodejs.org (Debian: `apt-get install libnode-dev`, or set npm_config_nodedir)',
    );
  } else if (
    nodeDir.version &&
    nodeDir.version.split('.')[0] !== process.versions.node.split('.')[0]
  ) {
    notes.push(
      `Node headers in ${nodeDir.dir} are ${nodeDir.version}, node is ${process.versions.node}`,
    );
  }
  const py = process.env.PYTHON || which('python3');
  if (!py) missing.push('python3 (node-gyp needs it)');
  if (!which('make')) missing.push('make');
  const cxx = process.env.CXX
    ? which(process.env.CXX.split(' ')[0])
    : which('g++') || which('c++') || which('clang++');
  if (!cxx) missing.push('a C++ compiler (g++)');
  if (
    missing.length &&
    process.platform === 'linux' &&
    missing.some((m) => /make|C\+\+|python3/.test(m))
  ) {
    notes.push('Debian/Ubuntu: apt-get install -y build-essential python3');
  }
  return { nodePreGyp, nodeGyp, nodeDir, missing, notes };
}

function buildEnv(root, tc) {
  const env = { ...process.env };
  env.PATH = [
    path.dirname(process.execPath),
    path.join(root, 'node_modules', '.bin'),
    process.env.PATH,
  ]
    .filter(Boolean)
    .join(path.delimiter);
  if (tc.nodeGyp) env.npm_config_node_gyp = tc.nodeGyp;
  if (tc.nodeDir) env.npm_config_nodedir = tc.nodeDir.dir;
  if (!env.npm_config_jobs && !env.JOBS) env.JOBS = 'max';
  // This script is often started with ignore-scripts=true in the environment (from .npmrc); that must not
  // leak into node-gyp's own npm config handling.
  delete env.npm_config_ignore_scripts;
  return env;
}

async function buildBinding(root, tfjs, tc, { buildFromSource = true } = {}) {
  if (tc.missing.length) {
    return { ok: false, reason: `cannot build the binding, missing: ${tc.missing.join('; ')}` };
  }
  const mode = buildFromSource ? '--build-from-source' : '--fallback-to-build';
  log(`  building tfjs_binding.node: node-pre-gyp install ${mode}`);
  log(`    node-gyp: ${tc.nodeGyp}`);
  log(
    `    Node headers: ${tc.nodeDir ? `${tc.nodeDir.dir} (${tc.nodeDir.version})` : 'none found locally'}`,
  );
  const r = await run(process.execPath, [tc.nodePreGyp, 'install', mode], {
    cwd: tfjs.dir,
    env: buildEnv(root, tc),
    timeoutMs: 15 * 60_000,
  });
  if (r.code !== 0)
    return { ok: false, reason: `binding build failed (${describeRun(r)})`, output: outputTail(r) };
  log(`  binding built in ${fmtMs(r.ms)}`);
  return { ok: true };
}

// ---------------------------------------------------------------------------
// Staging a libtensorflow into tfjs-node/deps
// ---------------------------------------------------------------------------

function tfjsDepsConstants(tfjs) {
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
function stageDeps(tfjs, found) {
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
function findLayout(dir) {
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

function markerOk(dir) {
  const m = readJson(path.join(dir, '.segstudio-complete.json'));
  return m && findLayout(dir).lib ? m : null;
}

function writeMarker(dir, data) {
  writeJsonAtomic(path.join(dir, '.segstudio-complete.json'), {
    ...data,
    time: new Date().toISOString(),
  });
}

// ---------------------------------------------------------------------------
// Extraction helpers
// ---------------------------------------------------------------------------

const WHEEL_EXTRACT_PY = `
import os, shutil, sys, zipfile
whl, dest = sys.argv[1], sys.argv[2]
libs = {}
inc_prefix = None
n = 0
with zipfile.ZipFile(whl) as z:
    names = z.namelist()
    for cand in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow.so.2'):
        if cand in names:
            libs[cand] = 'lib/' + cand.split('/')[-1]
            break
    if 'tensorflow/libtensorflow_framework.so.2' in names:
        libs['tensorflow/libtensorflow_framework.so.2'] = 'lib/libtensorflow_framework.so.2'
    if len(libs) != 2:
        sys.exit('wheel does not contain tensorflow/libtensorflow_cc.so.2 and tensorflow/libtensorflow_framework.so.2')
    if not any(x.startswith('tensorflow/include/tensorflow/c/') for x in names):
        sys.exit('wheel does not contain tensorflow/include/tensorflow/c/')
    root = os.path.realpath(dest)
    for info in z.infolist():
        name = info.filename
        if name in libs:
            out = os.path.join(dest, libs[name])
        elif name.startswith('tensorflow/include/') and not name.endswith('/'):
            out = os.path.join(dest, 'include', name[len('tensorflow/include/'):])
        else:
            continue
        if not os.path.realpath(out).startswith(root + os.sep):
            sys.exit('unsafe path in wheel: ' + name)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(info) as src, open(out, 'wb') as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        if name in libs:
            os.chmod(out, 0o755)
        n += 1
print('extracted %d files' % n)
`;

/** Extract the two libraries and the include tree from a tensorflow wheel into `dest` (lib/, include/). */
async function extractWheel(whl, dest) {
  rmrf(dest);
  fs.mkdirSync(dest, { recursive: true });
  const py = which('python3') || which('python');
  if (py) {
    const r = await run(py, ['-', whl, dest], {
      input: WHEEL_EXTRACT_PY,
      capture: true,
      timeoutMs: 20 * 60_000,
    });
    if (r.code === 0) return { ok: true, tool: 'python3 zipfile' };
    const why = r.stderr.trim().split('\n').pop() || describeRun(r);
    if (!which('unzip')) return { ok: false, reason: `extracting the wheel failed: ${why}` };
    appendLog(`python extraction failed (${why}); trying unzip`);
  }
  const unzip = which('unzip');
  if (!unzip)
    return {
      ok: false,
      reason: 'cannot extract the wheel: neither python3 nor unzip is available',
    };
  const tmp = path.join(dest, '.unzip');
  const r = await run(
    unzip,
    [
      '-q',
      '-o',
      whl,
      'tensorflow/libtensorflow_cc.so.2',
      'tensorflow/libtensorflow_framework.so.2',
      'tensorflow/include/*',
      '-d',
      tmp,
    ],
    { timeoutMs: 20 * 60_000 },
  );
  if (r.code !== 0) return { ok: false, reason: `unzip failed (${describeRun(r)})` };
  fs.mkdirSync(path.join(dest, 'lib'));
  for (const f of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
    fs.renameSync(path.join(tmp, 'tensorflow', f), path.join(dest, 'lib', f));
    fs.chmodSync(path.join(dest, 'lib', f), 0o755);
  }
  fs.renameSync(path.join(tmp, 'tensorflow', 'include'), path.join(dest, 'include'));
  rmrf(tmp);
  return { ok: true, tool: 'unzip' };
}

async function extractTarball(file, dest, tfjs) {
  rmrf(dest);
  fs.mkdirSync(dest, { recursive: true });
  const tar = which('tar');
  if (tar) {
    const r = await run(tar, ['-xzf', file, '-C', dest], { timeoutMs: 20 * 60_000 });
    if (r.code === 0) return { ok: true };
    return { ok: false, reason: `tar -xzf failed (${describeRun(r)})` };
  }
  try {
    tfjs.req('tar').x({ file, cwd: dest, sync: true, strict: true });
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `extracting ${path.basename(file)} failed: ${e.message}` };
  }
}

function fileKey(file) {
  const st = fs.statSync(file);
  let h = 0;
  for (const ch of `${fs.realpathSync(file)}|${st.size}|${st.mtimeMs}`)
    h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------

/** The URL tfjs-node's scripts/install.js would download libtensorflow from (mirrors its logic). */
function officialLibtensorflowUrl(tfjs) {
  const c = tfjsDepsConstants(tfjs);
  const env = process.env;
  const cdn =
    env.TFJS_NODE_CDN_STORAGE ||
    env.npm_config_TFJS_NODE_CDN_STORAGE ||
    env.npm_config_tfjs_node_cdn_storage ||
    env.CDN_STORAGE;
  const baseHost = cdn || 'https://storage.googleapis.com/';
  const baseUri =
    env.TFJS_NODE_BASE_URI ||
    env.npm_config_TFJS_NODE_BASE_URI ||
    env.npm_config_tfjs_node_base_uri ||
    `${baseHost}tensorflow/libtensorflow/libtensorflow-`;
  const platform = os.platform();
  const arch = os.arch();
  if (platform === 'darwin' && arch === 'arm64')
    return `${baseHost}tf-builds/libtensorflow_r2_7_darwin_arm64_cpu.tar.gz`;
  if (c.customTFLibUri) return c.customTFLibUri;
  if (platform === 'linux' && arch === 'arm')
    return `${baseHost}tf-builds/libtensorflow_r2_5_linux_arm7l.tar.gz`;
  if (platform === 'linux' && arch === 'arm64')
    return `${baseHost}tf-builds/libtensorflow_r2_7_linux_arm64.tar.gz`;
  const system = `cpu-${c.PLATFORM_MAPPING?.[platform]}-${c.ARCH_MAPPING?.[arch]}`;
  if (c.ALL_SUPPORTED_COMBINATION && !c.ALL_SUPPORTED_COMBINATION.includes(system)) return null;
  return `${baseUri}${system}-${c.LIBTENSORFLOW_VERSION}.${c.PLATFORM_EXTENSION || 'tar.gz'}`;
}

/** (a) tfjs-node's own scripts/install.js: downloads libtensorflow 2.9.1 + the prebuilt binding. */
async function sourceDownload(ctx) {
  const { root, tfjs, tc } = ctx;
  const url = officialLibtensorflowUrl(tfjs);
  if (!url)
    return {
      ok: false,
      reason: `no official libtensorflow build for ${os.platform()}-${os.arch()}`,
    };
  const host = new URL(url).host;
  const t = netTimeoutMs();
  log(`  checking ${host} (timeout ${fmtMs(t)})...`);
  const chk = await checkUrl(url, { timeoutMs: t });
  if (!chk.ok) {
    return {
      ok: false,
      reason: `${host} not reachable (${chk.error || `HTTP ${chk.status}`}, ${fmtMs(chk.ms)})`,
    };
  }
  log(
    `  ${host} answers (HTTP ${chk.status}${chk.via ? ` via proxy ${chk.via}` : ''}); running tfjs-node's scripts/install.js`,
  );
  rmrf(tfjs.depsDir);
  const pkgBefore = fs.readFileSync(tfjs.pkgFile, 'utf8');
  const r = await run(process.execPath, [path.join(tfjs.dir, 'scripts', 'install.js')], {
    cwd: tfjs.dir,
    env: buildEnv(root, tc),
    timeoutMs: 20 * 60_000,
  });
  // install.js temporarily rewrites tfjs-node's package.json; put it back if it was interrupted.
  if (fs.readFileSync(tfjs.pkgFile, 'utf8') !== pkgBefore)
    fs.writeFileSync(tfjs.pkgFile, pkgBefore);
  if (r.code !== 0)
    return {
      ok: false,
      reason: `tfjs-node's install script failed (${describeRun(r)})`,
      output: outputTail(r),
    };
  const lib = path.join(tfjs.depsLib, 'libtensorflow.so');
  const fw = path.join(tfjs.depsLib, 'libtensorflow_framework.so');
  if (!exists(lib) || !exists(fw))
    return {
      ok: false,
      reason: 'install script finished but deps/lib/libtensorflow*.so are missing',
    };
  const v = await verifyLibtensorflow(lib, fw);
  if (!v.ok) return { ok: false, reason: v.reason };
  log(`  libtensorflow verified: ${v.method}`);
  return { ok: true, detail: url, libPath: fs.realpathSync(lib) };
}

/** Verify, stage into deps/ and build: shared tail of the 'dir' and 'pypi' sources. */
async function stageAndBuild(ctx, found) {
  const { root, tfjs, tc } = ctx;
  if (tc.missing.length)
    return { ok: false, reason: `cannot build the binding, missing: ${tc.missing.join('; ')}` };
  const v = await verifyLibtensorflow(found.lib, found.framework);
  if (!v.ok) return { ok: false, reason: v.reason };
  log(
    `  ${path.basename(found.lib)} + ${path.basename(found.framework)} verified: ${v.method}${v.version ? `, TF_Version ${v.version}` : ''}`,
  );
  for (const p of movablePaths(tfjs)) rmrf(p);
  let staged;
  try {
    staged = stageDeps(tfjs, found);
  } catch (e) {
    return { ok: false, reason: `staging into ${tfjs.depsDir} failed: ${e.message}` };
  }
  const b = await buildBinding(root, tfjs, tc, { buildFromSource: true });
  if (!b.ok) return b;
  return { ok: true, libPath: path.join(tfjs.depsLib, staged.libName), linkMode: staged.mode };
}

/** (b) SEGSTUDIO_LIBTENSORFLOW: a directory (lib/ + include/), a .tar.gz of one, or a tensorflow wheel. */
async function sourceDir(ctx) {
  const spec = process.env.SEGSTUDIO_LIBTENSORFLOW;
  if (!spec) return { ok: false, reason: 'SEGSTUDIO_LIBTENSORFLOW is not set', quiet: true };
  const p = path.resolve(spec);
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return { ok: false, reason: `SEGSTUDIO_LIBTENSORFLOW=${spec} does not exist` };
  }
  let dir = p;
  if (st.isFile()) {
    const base = path.basename(p);
    const kind = /\.(tar\.gz|tgz)$/i.test(base) ? 'tar' : /\.whl$/i.test(base) ? 'whl' : null;
    if (!kind)
      return {
        ok: false,
        reason: `SEGSTUDIO_LIBTENSORFLOW=${spec}: expected a directory, a .tar.gz/.tgz or a .whl`,
      };
    dir = path.join(
      ctx.cache,
      'user',
      `${base.replace(/\.(tar\.gz|tgz|whl)$/i, '')}-${fileKey(p)}`,
    );
    if (markerOk(dir)) {
      log(`  using ${base} already extracted in ${dir}`);
    } else {
      log(`  extracting ${base} into ${dir} ...`);
      const t0 = Date.now();
      const partial = `${dir}.partial-${process.pid}`;
      const r =
        kind === 'tar'
          ? await extractTarball(p, partial, ctx.tfjs)
          : await extractWheel(p, partial);
      if (!r.ok) {
        rmrf(partial);
        return { ok: false, reason: r.reason };
      }
      rmrf(dir);
      fs.renameSync(partial, dir);
      writeMarker(dir, { from: p });
      log(`  extracted in ${fmtMs(Date.now() - t0)}`);
    }
  }
  const found = findLayout(dir);
  if (found.missing) return { ok: false, reason: `${dir} lacks ${found.missing.join(', ')}` };
  log(`  using ${found.lib}`);
  const r = await stageAndBuild(ctx, found);
  return r.ok ? { ...r, detail: p } : r;
}

function parsePypiSpec(spec) {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:==\s*([^\s;,]+))?\s*$/.exec(spec);
  if (!m) return null;
  return {
    name: m[1],
    version: m[2] || null,
    normName: m[1].toLowerCase().replace(/[-_.]+/g, '_'),
  };
}

/** (c) the tensorflow-cpu wheel from PyPI (pip download), extracted once into the cache. */
async function sourcePypi(ctx) {
  if (os.platform() !== 'linux' || !['x64', 'arm64'].includes(os.arch())) {
    return {
      ok: false,
      reason: `the PyPI wheel route supports Linux x86_64/aarch64 only (this is ${os.platform()}-${os.arch()})`,
    };
  }
  const defaultSpec = os.arch() === 'arm64' ? 'tensorflow==2.21.0' : DEFAULT_PYPI_SPEC;
  const specStr = process.env.SEGSTUDIO_TF_PYPI_SPEC || defaultSpec;
  const spec = parsePypiSpec(specStr);
  if (!spec)
    return {
      ok: false,
      reason: `SEGSTUDIO_TF_PYPI_SPEC=${specStr} is not 'name' or 'name==version'`,
    };
  const key = `${spec.normName}-${spec.version || 'latest'}`;
  const target = path.join(ctx.cache, key);
  const t0 = Date.now();
  if (spec.version && markerOk(target)) {
    log(`  using cached ${specStr} in ${target}`);
  } else {
    const py = which('python3') || which('python');
    if (!py) return { ok: false, reason: 'python3 not found (needed for pip)' };
    const pipV = await run(py, ['-m', 'pip', '--version'], { capture: true, timeoutMs: 60_000 });
    if (pipV.code !== 0)
      return { ok: false, reason: 'pip is not available (Debian: apt-get install -y python3-pip)' };
    const need = 1.5 * 1024 ** 3;
    const free = freeBytes(ctx.cache);
    if (free < need)
      return {
        ok: false,
        reason: `not enough disk space in ${ctx.cache}: ${fmtBytes(free)} free, ~1.5 GiB needed`,
      };
    const wheels = path.join(ctx.cache, 'wheels');
    fs.mkdirSync(wheels, { recursive: true });
    const matches = () =>
      fs
        .readdirSync(wheels)
        .filter(
          (f) =>
            f.endsWith('.whl') &&
            f
              .toLowerCase()
              .startsWith(`${spec.normName}-${spec.version ? `${spec.version}-` : ''}`),
        )
        .map((f) => path.join(wheels, f));
    let whl = matches()[0];
    if (whl) {
      log(`  using wheel already downloaded: ${whl}`);
    } else {
      log(`  pip download --no-deps ${specStr} -d ${wheels}`);
      const base = [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--disable-pip-version-check',
        '--progress-bar',
        'off',
        '-d',
        wheels,
      ];
      let r = await run(py, [...base, specStr], { timeoutMs: 30 * 60_000 });
      if (r.code !== 0 && !r.timedOut) {
        // e.g. no wheel for this interpreter: the shared libraries do not depend on Python, any cp3xx wheel will do
        log(
          '  pip download failed; retrying with --only-binary=:all: --python-version 3.11 (the C libraries do not depend on Python)',
        );
        r = await run(py, [...base, '--only-binary=:all:', '--python-version', '3.11', specStr], {
          timeoutMs: 30 * 60_000,
        });
      }
      if (r.code !== 0)
        return {
          ok: false,
          reason: `pip download ${specStr} failed (${describeRun(r)})`,
          output: outputTail(r, 8),
        };
      whl = matches().sort().pop();
      if (!whl)
        return {
          ok: false,
          reason: `pip download succeeded but no ${spec.normName} wheel is in ${wheels}`,
        };
      log(
        `  downloaded ${path.basename(whl)} (${fmtBytes(fs.statSync(whl).size)}) in ${fmtMs(r.ms)}`,
      );
    }
    log(`  extracting libtensorflow_cc.so.2, libtensorflow_framework.so.2 and include/ ...`);
    const partial = `${target}.partial-${process.pid}`;
    const ex = await extractWheel(whl, partial);
    if (!ex.ok) {
      rmrf(partial);
      return { ok: false, reason: ex.reason };
    }
    rmrf(target);
    fs.renameSync(partial, target);
    writeMarker(target, { spec: specStr, wheel: path.basename(whl) });
    log(`  extracted with ${ex.tool} into ${target} in ${fmtMs(Date.now() - t0)}`);
    if (!/^(1|true|yes)$/i.test(process.env.SEGSTUDIO_KEEP_WHEEL || '')) {
      rmrf(whl);
      appendLog(`removed ${whl} (set SEGSTUDIO_KEEP_WHEEL=1 to keep it)`);
    }
  }
  const found = findLayout(target);
  if (found.missing) return { ok: false, reason: `${target} lacks ${found.missing.join(', ')}` };
  const r = await stageAndBuild(ctx, found);
  return r.ok ? { ...r, detail: `${specStr} (PyPI wheel, cached in ${target})` } : r;
}

const SOURCE_FNS = { download: sourceDownload, dir: sourceDir, pypi: sourcePypi };
const SOURCE_TITLES = {
  download: "(a) tfjs-node's own download",
  dir: '(b) SEGSTUDIO_LIBTENSORFLOW',
  pypi: '(c) tensorflow-cpu wheel from PyPI',
};

// ---------------------------------------------------------------------------
// Backups: never leave a previously working install broken
// ---------------------------------------------------------------------------

/** deps/, the binding dir lib/ and node-gyp's build dirs (build/, build-tmp-napi-vN/ for N-API builds). */
function movablePaths(tfjs) {
  const builds = fs
    .readdirSync(tfjs.dir)
    .filter((f) => /^build(-tmp-napi-v\d+)?$/.test(f))
    .map((f) => path.join(tfjs.dir, f));
  return [tfjs.depsDir, tfjs.bindingRoot, ...new Set([tfjs.buildDir, ...builds])];
}

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
