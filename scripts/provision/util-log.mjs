// Setup's console and log-file output, and the small formatters every provisioner prints with.
// Its own file so the process, network and file helpers can log without importing each other.

import fs from 'node:fs';

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
