import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RunName } from '../../shared/contracts/common';

/**
 * Per-image IoU for the Browse filters, read from the evaluation service's cached reports
 * (`<runsDir>/<run>/eval/<split>.json`). Reports are written by another service and may be
 * missing, half-migrated or from an older version: anything unreadable simply means "no IoU".
 */
const PerImageOnly = z.object({
  evaluatedAt: z.number().optional(),
  perImage: z.array(z.object({ sample: z.string(), mIoU: z.number().nullable() })),
});

export interface PerImageIoU {
  readonly runName: string;
  readonly evaluatedAt: number;
  readonly bySample: ReadonlyMap<string, number | null>;
}

const safeSplit = (split: string): string => split.replace(/[^A-Za-z0-9._-]/g, '_');

export function evalReportPath(runsDir: string, runName: string, split: string): string {
  return path.join(runsDir, runName, 'eval', `${safeSplit(split)}.json`);
}

const cache = new Map<string, { mtimeMs: number; value: PerImageIoU | null }>();

async function readReport(file: string, runName: string): Promise<PerImageIoU | null> {
  const stats = await fs.stat(file).catch(() => null);
  if (!stats?.isFile()) return null;
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === stats.mtimeMs) return hit.value;
  let value: PerImageIoU | null = null;
  try {
    const parsed = PerImageOnly.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
    if (parsed.success) {
      value = {
        runName,
        evaluatedAt: parsed.data.evaluatedAt ?? stats.mtimeMs,
        bySample: new Map(parsed.data.perImage.map((p) => [p.sample, p.mIoU])),
      };
    }
  } catch {
    value = null;
  }
  cache.set(file, { mtimeMs: stats.mtimeMs, value });
  return value;
}

/** The named run's report, or the most recently evaluated run's when no name is given. */
export async function latestPerImageIoU(
  runsDir: string,
  split: string,
  runName?: string,
): Promise<PerImageIoU | null> {
  if (runName !== undefined) {
    if (!RunName.safeParse(runName).success) return null;
    return readReport(evalReportPath(runsDir, runName, split), runName);
  }
  const entries = await fs.readdir(runsDir, { withFileTypes: true }).catch(() => []);
  let best: PerImageIoU | null = null;
  for (const entry of entries) {
    if (!entry.isDirectory() || !RunName.safeParse(entry.name).success) continue;
    const report = await readReport(evalReportPath(runsDir, entry.name, split), entry.name);
    if (report && (!best || report.evaluatedAt > best.evaluatedAt)) best = report;
  }
  return best;
}
