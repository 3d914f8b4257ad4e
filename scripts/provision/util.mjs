// Shared helpers for scripts/setup.mjs and scripts/provision/*.mjs.
// Plain Node ESM, no dependencies beyond Node's standard library.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

// ---------------------------------------------------------------------------
// Logging
// ---------------------------------------------------------------------------

let logFile = null;

/** Subprocess output and details go to this file (overwritten per run). */
export function setLogFile(file) {
  logFile = file;
  try {
    fs.writeFileSync(file, `# segstudio setup log, ${new Date().toISOString()}\n`);
  } catch {
    logFile = null;
  }
}

export function getLogFile() {
  return logFile;
}

export function appendLog(text) {
  if (!logFile) return;
  try {
    fs.appendFileSync(logFile, text.endsWith('\n') ? text : `${text}\n`);
  } catch {
    /* logging must never break setup */
  }
}

export function log(msg) {
  for (const line of String(msg).split('\n')) console.log(`[setup] ${line}`);
  appendLog(`[setup] ${msg}`);
}

export function warn(msg) {
  for (const line of String(msg).split('\n')) console.warn(`[setup] WARNING: ${line}`);
  appendLog(`[setup] WARNING: ${msg}`);
}

/** A loud, boxed multi-line warning (stderr). */
export function banner(lines) {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const bar = '!'.repeat(width);
  const out = ['', bar, ...lines.map((l) => `! ${l.padEnd(width - 4)} !`), bar, ''];
  for (const l of out) console.warn(l);
  appendLog(out.join('\n'));
}

export function fmtMs(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u += 1;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function envFlag(name) {
  const v = process.env[name];
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

// ---------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------

/** Absolute path of an executable on PATH, or null. */
export function which(cmd, envPath = process.env.PATH) {
  if (path.isAbsolute(cmd)) return isExecutable(cmd) ? cmd : null;
  for (const dir of (envPath || '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    if (isExecutable(p)) return p;
  }
  return null;
}

function isExecutable(p) {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Run a command; stdout/stderr go to the log file (and optionally are kept in memory).
 * Resolves to { code, signal, timedOut, stdout, stderr, ms, error }. Never rejects.
 * On timeout the whole process group is killed.
 */
const activeChildren = new Set();

/** Kill every subprocess started by run() (used on SIGINT/SIGTERM: they run in their own group). */
export function killActiveChildren() {
  for (const c of activeChildren) killTree(c);
}

export function run(cmd, args, opts = {}) {
  const {
    cwd,
    env,
    timeoutMs = 0,
    capture = false,
    input,
    echo = false,
    logOutput = true,
    onStdout,
  } = opts;
  const t0 = Date.now();
  appendLog(`$ ${[cmd, ...args].join(' ')}${cwd ? `   (cwd ${cwd})` : ''}`);
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(cmd, args, {
        cwd,
        env: env || process.env,
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        detached: process.platform !== 'win32', // own process group, so a timeout kills children too
      });
    } catch (error) {
      resolve({
        code: null,
        signal: null,
        timedOut: false,
        stdout: '',
        stderr: '',
        tail: '',
        ms: 0,
        error,
      });
      return;
    }
    let stdout = '';
    let stderr = '';
    let tail = ''; // last few KiB of combined output, for failure messages
    let timedOut = false;
    let timer = null;
    const onData = (which) => (buf) => {
      const s = buf.toString();
      if (capture) {
        if (which === 'out') stdout += s;
        else stderr += s;
      }
      if (logOutput) tail = (tail + s).slice(-6000);
      if (which === 'out' && onStdout) onStdout(s);
      if (echo) process.stdout.write(s);
      if (logOutput) appendLog(s);
    };
    activeChildren.add(child);
    child.stdout.on('data', onData('out'));
    child.stderr.on('data', onData('err'));
    if (input !== undefined) child.stdin.end(input);
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        appendLog(`[setup] timeout after ${fmtMs(timeoutMs)}, killing ${cmd}`);
        killTree(child);
      }, timeoutMs);
    }
    let spawnError = null;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, signal) => {
      activeChildren.delete(child);
      if (timer) clearTimeout(timer);
      resolve({
        code,
        signal,
        timedOut,
        stdout,
        stderr,
        tail,
        ms: Date.now() - t0,
        error: spawnError,
      });
    });
  });
}

function killTree(child) {
  try {
    if (process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Short human description of a failed run() result. */
export function describeRun(r) {
  if (r.error) return r.error.code === 'ENOENT' ? 'command not found' : r.error.message;
  if (r.timedOut) return `timed out after ${fmtMs(r.ms)}`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit code ${r.code}`;
}

export function runSync(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, ...opts });
  return { code: r.status, stdout: r.stdout || '', stderr: r.stderr || '', error: r.error };
}

/** Last n non-empty output lines of a run() result, for failure messages. */
export function outputTail(r, n = 15) {
  return (r?.tail || '')
    .split('\n')
    .filter((l) => l.trim())
    .slice(-n)
    .join('\n');
}

// ---------------------------------------------------------------------------
// Network reachability (fast, bounded)
// ---------------------------------------------------------------------------

function proxyFor(url) {
  const u = new URL(url);
  const noProxy = (process.env.NO_PROXY || process.env.no_proxy || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (
    noProxy.some(
      (np) =>
        np === '*' || u.hostname === np || u.hostname.endsWith(np.startsWith('.') ? np : `.${np}`),
    )
  )
    return null;
  const p =
    u.protocol === 'https:'
      ? process.env.HTTPS_PROXY ||
        process.env.https_proxy ||
        process.env.HTTP_PROXY ||
        process.env.http_proxy
      : process.env.HTTP_PROXY || process.env.http_proxy;
  return p ? new URL(p) : null;
}

/**
 * Is `url` reachable within timeoutMs? Does a HEAD request (no body transfer).
 * With an HTTP(S)_PROXY configured, checks that the proxy accepts a CONNECT to the host.
 * Resolves to { ok, status?, error?, ms, via? } and never rejects.
 * `okStatus(status)` decides which HTTP statuses count as reachable (default: any < 400).
 */
export function checkUrl(url, { timeoutMs = 5000, okStatus = (s) => s < 400 } = {}) {
  const t0 = Date.now();
  const u = new URL(url);
  const proxy = proxyFor(url);
  return new Promise((resolve) => {
    let done = false;
    const finish = (res) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...res, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => {
      finish({ ok: false, error: `no answer within ${fmtMs(timeoutMs)}` });
      try {
        req?.destroy();
      } catch {
        /* ignore */
      }
    }, timeoutMs);
    let req;
    try {
      if (proxy) {
        const port = u.port || (u.protocol === 'https:' ? 443 : 80);
        req = http.request({
          host: proxy.hostname,
          port: proxy.port || 80,
          method: 'CONNECT',
          path: `${u.hostname}:${port}`,
          headers: { host: `${u.hostname}:${port}` },
        });
        req.on('connect', (res, socket) => {
          socket.destroy();
          finish({ ok: res.statusCode === 200, status: res.statusCode, via: proxy.host });
        });
      } else {
        const mod = u.protocol === 'https:' ? https : http;
        req = mod.request(
          u,
          { method: 'HEAD', headers: { 'user-agent': 'segstudio-setup' } },
          (res) => {
            res.resume();
            finish({ ok: okStatus(res.statusCode), status: res.statusCode });
          },
        );
      }
      req.on('error', (err) => finish({ ok: false, error: err.code || err.message }));
      req.end();
    } catch (err) {
      finish({ ok: false, error: err.message });
    }
  });
}

export function netTimeoutMs() {
  const v = Number(process.env.SEGSTUDIO_NET_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : 5000;
}

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
