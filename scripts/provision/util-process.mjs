// Running subprocesses for setup: bounded, logged, killed as a whole process group on timeout.
// Its own file because every provisioner runs tools (node-gyp, pip, tar, nm) the same way.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { appendLog, fmtMs } from './util-log.mjs';

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
