/** Names the Train form proposes for a new run: never one a run of the project already has. */

/** `run-YYYYMMDD-HHMM` in local time: sorts by start and says when the run began. */
export function timestampRunName(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  return `run-${day}-${pad(now.getHours())}${pad(now.getMinutes())}`;
}

/** `base` when no run has it, else the first free `base-2`, `base-3`, … */
export function freshRunName(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  let k = 2;
  while (used.has(`${base}-${k}`)) k++;
  return `${base}-${k}`;
}
