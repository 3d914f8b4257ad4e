// The three libtensorflow sources, tried in order by provisionNative: (a) tfjs-node's own download,
// (b) SEGSTUDIO_LIBTENSORFLOW (a folder, .tar.gz or wheel), (c) the tensorflow-cpu wheel from PyPI.
// Its own file: each source returns {ok, reason} the same way and the entry point only loops over them.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { buildBinding, buildEnv } from './tfjs-build.mjs';
import { extractTarball, extractWheel, fileKey } from './tfjs-extract.mjs';
import { verifyLibtensorflow } from './tfjs-probe.mjs';
import {
  findLayout,
  markerOk,
  movablePaths,
  stageDeps,
  tfjsDepsConstants,
  writeMarker,
} from './tfjs-stage.mjs';
import {
  appendLog,
  checkUrl,
  describeRun,
  exists,
  fmtBytes,
  fmtMs,
  freeBytes,
  log,
  netTimeoutMs,
  outputTail,
  rmrf,
  run,
  which,
} from './util.mjs';

export const ALL_SOURCES = ['download', 'dir', 'pypi'];
export const DEFAULT_PYPI_SPEC = 'tensorflow-cpu==2.21.0';

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

export const SOURCE_FNS = { download: sourceDownload, dir: sourceDir, pypi: sourcePypi };
export const SOURCE_TITLES = {
  download: "(a) tfjs-node's own download",
  dir: '(b) SEGSTUDIO_LIBTENSORFLOW',
  pypi: '(c) tensorflow-cpu wheel from PyPI',
};
