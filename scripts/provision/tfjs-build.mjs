// Building tfjs_binding.node: finding Node's headers, node-gyp and a C++ toolchain, and running
// node-pre-gyp with them. Its own file: the 'dir' and 'pypi' sources build, the download may.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { describeRun, exists, fmtMs, homeCacheDir, log, outputTail, run, which } from './util.mjs';

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

export function toolchain(root, tfjs) {
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

export function buildEnv(root, tc) {
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

export async function buildBinding(root, tfjs, tc, { buildFromSource = true } = {}) {
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
