// Measurement helpers for the benchmark scripts: order statistics of samples and the CPU time
// of a process tree read from /proc (Linux; NaN elsewhere).
import { existsSync, readFileSync, readdirSync } from 'node:fs';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

/**
 * Every process in /proc with its parent and its CPU clock ticks: `ticks` its own user +
 * system time, `reaped` that of its children it has waited for. A process that ends while
 * listed is left out (its time is then in its parent's `reaped`).
 */
export function processTable() {
  const table = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the command (which may hold spaces) start at state; ppid is the 2nd.
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      table.push({
        pid: Number(name),
        ppid: Number(f[1]),
        ticks: Number(f[11]) + Number(f[12]),
        reaped: Number(f[13]) + Number(f[14]),
      });
    } catch {
      // The process ended while listed.
    }
  }
  return table;
}

/**
 * CPU time (user + system) of a process and all its live descendants, from /proc, in ms;
 * `skip` leaves out those processes and theirs, `withRoot: false` the process itself.
 */
export function treeCpuMillis(pid, { skip = [], withRoot = true } = {}) {
  if (!pid || !existsSync('/proc/self/stat')) return NaN;
  const stats = processTable();
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const s of stats) {
      if (!tree.has(s.pid) && tree.has(s.ppid) && !skip.includes(s.pid)) grew = tree.add(s.pid);
    }
  }
  if (!withRoot) tree.delete(pid);
  return stats.filter((s) => tree.has(s.pid)).reduce((n, s) => n + s.ticks, 0) * 10;
}
