// Provision the Electron binary (node_modules/electron/dist), which `npm start` needs.
// Never fails setup: without it the app still runs as `npx segstudio serve`.

import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import {
  appendLog,
  checkUrl,
  describeRun,
  envFlag,
  exists,
  fmtMs,
  homeCacheDir,
  log,
  netTimeoutMs,
  rmrf,
  run,
  warn,
} from './util.mjs';

export const UNAVAILABLE_LINE =
  'Electron binary not available on this machine: `npm start` needs it; use `npx segstudio serve` instead';

const GITHUB_BASE = 'https://github.com/electron/electron/releases/download/';

function locateElectron(root) {
  try {
    const pkgFile = createRequire(path.join(root, 'package.json')).resolve('electron/package.json');
    const dir = path.dirname(pkgFile);
    return {
      dir,
      version: JSON.parse(fs.readFileSync(pkgFile, 'utf8')).version,
      req: createRequire(pkgFile),
    };
  } catch {
    return null;
  }
}

function platformPath() {
  switch (process.env.npm_config_platform || os.platform()) {
    case 'darwin':
    case 'mas':
      return 'Electron.app/Contents/MacOS/Electron';
    case 'win32':
      return 'electron.exe';
    default:
      return 'electron';
  }
}

/** Same test as electron/install.js's isInstalled(). */
function isInstalled(el) {
  try {
    if (
      fs
        .readFileSync(path.join(el.dir, 'dist', 'version'), 'utf8')
        .trim()
        .replace(/^v/, '') !== el.version
    )
      return false;
    if (fs.readFileSync(path.join(el.dir, 'path.txt'), 'utf8') !== platformPath()) return false;
  } catch {
    return false;
  }
  return exists(
    process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(el.dir, 'dist', platformPath()),
  );
}

function artifactName(el) {
  const platform = process.env.npm_config_platform || process.platform;
  const arch = process.env.npm_config_arch || process.arch;
  return `electron-v${el.version}-${platform}-${arch}.zip`;
}

/** A zip that @electron/get already cached (electron/install.js then installs without network). */
function findCachedZip(el) {
  const root = process.env.electron_config_cache || path.join(homeCacheDir(), 'electron');
  const name = artifactName(el);
  try {
    for (const d of fs.readdirSync(root)) {
      const p = path.join(root, d, name);
      if (exists(p)) return p;
    }
  } catch {
    /* no cache */
  }
  return null;
}

async function runInstallJs(el, why) {
  log(`  ${why}: running node_modules/electron/install.js`);
  const r = await run(process.execPath, [path.join(el.dir, 'install.js')], {
    cwd: el.dir,
    timeoutMs: 10 * 60_000,
  });
  if (r.code === 0 && isInstalled(el)) return { ok: true, ms: r.ms };
  return { ok: false, reason: `electron/install.js failed (${describeRun(r)})` };
}

/** Install from a local zip given by SEGSTUDIO_ELECTRON_ZIP (checked against electron's checksums.json). */
async function installFromZip(el, zip) {
  const name = artifactName(el);
  let sums = {};
  try {
    sums = JSON.parse(fs.readFileSync(path.join(el.dir, 'checksums.json'), 'utf8'));
  } catch {
    /* older electron without checksums.json */
  }
  const want = sums[name];
  if (want) {
    const got = crypto.createHash('sha256').update(fs.readFileSync(zip)).digest('hex');
    if (got !== want)
      return {
        ok: false,
        reason: `${zip} is not ${name} (sha256 mismatch with electron/checksums.json)`,
      };
  }
  let extract;
  try {
    extract = el.req('extract-zip');
  } catch {
    return { ok: false, reason: 'extract-zip (a dependency of electron) is missing' };
  }
  const dist = path.join(el.dir, 'dist');
  rmrf(dist);
  try {
    await extract(zip, { dir: dist });
  } catch (e) {
    return { ok: false, reason: `extracting ${zip} failed: ${e.message}` };
  }
  const dts = path.join(dist, 'electron.d.ts');
  if (exists(dts)) fs.renameSync(dts, path.join(el.dir, 'electron.d.ts'));
  fs.writeFileSync(path.join(el.dir, 'path.txt'), platformPath());
  return isInstalled(el)
    ? { ok: true }
    : { ok: false, reason: `${zip} did not contain dist/${platformPath()} for ${el.version}` };
}

/** @returns {{status: 'present'|'installed'|'skipped'|'unavailable', reason?: string, version?: string}} */
export async function provisionElectron({ root }) {
  if (envFlag('CI') || envFlag('SEGSTUDIO_SKIP_ELECTRON')) {
    const why = envFlag('SEGSTUDIO_SKIP_ELECTRON') ? 'SEGSTUDIO_SKIP_ELECTRON=1' : 'CI=true';
    log(`Electron: skipped (${why})`);
    return { status: 'skipped', reason: why };
  }
  const el = locateElectron(root);
  if (!el) {
    log('Electron: the electron package is not installed (devDependency; run npm ci)');
    return { status: 'unavailable', reason: 'electron package not installed' };
  }
  if (isInstalled(el)) {
    log(`Electron ${el.version}: binary present`);
    return { status: 'present', version: el.version };
  }
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    log(UNAVAILABLE_LINE);
    return {
      status: 'unavailable',
      version: el.version,
      reason: 'ELECTRON_SKIP_BINARY_DOWNLOAD is set',
    };
  }

  let res = null;
  const reasons = [];
  const zip = process.env.SEGSTUDIO_ELECTRON_ZIP;
  if (zip) {
    log(`  installing Electron ${el.version} from SEGSTUDIO_ELECTRON_ZIP=${zip}`);
    res = exists(zip)
      ? await installFromZip(el, path.resolve(zip))
      : { ok: false, reason: `${zip} does not exist` };
    if (!res.ok) reasons.push(`SEGSTUDIO_ELECTRON_ZIP: ${res.reason}`);
  }
  if (!res?.ok) {
    const cached = findCachedZip(el);
    if (cached) {
      res = await runInstallJs(el, `found cached ${path.basename(cached)}`);
      if (!res.ok) reasons.push(res.reason);
    }
  }
  if (!res?.ok) {
    const mirror =
      process.env.ELECTRON_MIRROR || process.env.npm_config_electron_mirror || GITHUB_BASE;
    const origin = new URL(mirror).origin;
    const t = netTimeoutMs();
    const chk = await checkUrl(origin, { timeoutMs: t, okStatus: () => true });
    if (chk.ok) res = await runInstallJs(el, `${origin} reachable`);
    else {
      res = { ok: false, reason: `${origin} not reachable (${chk.error || `HTTP ${chk.status}`})` };
      appendLog(`electron: ${origin} check took ${fmtMs(chk.ms)}`);
    }
    if (!res.ok && !reasons.includes(res.reason)) reasons.push(res.reason);
  }
  if (res.ok) {
    log(`Electron ${el.version}: binary installed`);
    return { status: 'installed', version: el.version };
  }
  const reason = reasons.join('; ');
  log(UNAVAILABLE_LINE);
  log(
    `  (${reason}; to install it offline set SEGSTUDIO_ELECTRON_ZIP=/path/to/${artifactName(el)} or ELECTRON_MIRROR)`,
  );
  if (reason.includes('install.js failed'))
    warn('see node_modules/.segstudio-setup.log for the output of electron/install.js');
  return { status: 'unavailable', version: el.version, reason };
}
