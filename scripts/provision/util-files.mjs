// File helpers for setup (atomic JSON, hard-link-or-copy trees, free space) and the lock that keeps
// two setups from fighting over node_modules. Its own file: the provisioners' shared disk side.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { log } from './util-log.mjs';

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

export function exists(p) {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

export function rmrf(p) {
  fs.rmSync(p, { recursive: true, force: true, maxRetries: 3 });
}

export function writeJsonAtomic(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

export function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Place a real file at `dest` with the content of `src`: a hard link when both are on the
 * same filesystem (no extra disk, still a regular file for packagers), else a copy.
 * Returns 'hardlink' | 'copy'.
 */
export function linkOrCopyFile(src, dest) {
  rmrf(dest);
  const real = fs.realpathSync(src);
  try {
    fs.linkSync(real, dest);
    return 'hardlink';
  } catch {
    fs.copyFileSync(real, dest, fs.constants.COPYFILE_FICLONE);
    fs.chmodSync(dest, fs.statSync(real).mode & 0o777);
    return 'copy';
  }
}

/** Recursively mirror a directory tree with linkOrCopyFile. Returns { files, mode }. */
export function linkOrCopyTree(srcDir, destDir) {
  let files = 0;
  let mode = 'hardlink';
  const walk = (s, d) => {
    fs.mkdirSync(d, { recursive: true });
    for (const ent of fs.readdirSync(s, { withFileTypes: true })) {
      const sp = path.join(s, ent.name);
      const dp = path.join(d, ent.name);
      if (ent.isDirectory()) walk(sp, dp);
      else if (ent.isSymbolicLink()) {
        const st = fs.statSync(sp, { throwIfNoEntry: false });
        if (!st) continue; // dangling link: skip
        if (st.isDirectory()) walk(sp, dp);
        else if (linkOrCopyFile(sp, dp) === 'copy') mode = 'copy';
        files += st.isDirectory() ? 0 : 1;
      } else if (ent.isFile()) {
        if (linkOrCopyFile(sp, dp) === 'copy') mode = 'copy';
        files += 1;
      }
    }
  };
  walk(srcDir, destDir);
  return { files, mode };
}

export function freeBytes(dir) {
  try {
    let d = dir;
    while (!exists(d)) d = path.dirname(d);
    const s = fs.statfsSync(d);
    return s.bavail * s.bsize;
  } catch {
    return Infinity;
  }
}

export function homeCacheDir() {
  return process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
}

// ---------------------------------------------------------------------------
// A simple inter-process lock (two setups at once would fight over node_modules)
// ---------------------------------------------------------------------------

export async function acquireLock(lockFile, { waitMs = 15 * 60_000 } = {}) {
  const t0 = Date.now();
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      const release = () => {
        try {
          if (fs.readFileSync(lockFile, 'utf8').trim() === String(process.pid))
            fs.unlinkSync(lockFile);
        } catch {
          /* ignore */
        }
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if (err.code !== 'EEXIST') return () => {}; // cannot lock (read-only fs?): go on without
      const pid = Number(fs.readFileSync(lockFile, 'utf8').trim());
      let alive = false;
      try {
        if (pid > 0 && pid !== process.pid) {
          process.kill(pid, 0);
          alive = true;
        }
      } catch (e) {
        alive = e.code === 'EPERM';
      }
      if (!alive) {
        rmrf(lockFile); // stale
        continue;
      }
      if (Date.now() - t0 > waitMs) throw new Error(`another setup (pid ${pid}) holds ${lockFile}`);
      if (!announced) {
        log(`another setup is running (pid ${pid}); waiting for it to finish...`);
        announced = true;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
