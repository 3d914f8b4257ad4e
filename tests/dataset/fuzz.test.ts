/**
 * The fuzz suite: generated damaged and odd-but-good files, one per one-sample dataset, each
 * opened with the full check (headers, masks and image pixels) under its own timeout. Zero
 * crashes, zero hangs, every damaged file named (a problem whose path is that file), every
 * good file usable and loadable by training, every file byte-identical afterwards.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../main/dataset/index';
import { buildCase, fuzzCases, type BuiltCase } from './fixtures/fuzz';
import { tempDir } from '../support/folders';

const CASE_TIMEOUT_MS = 15_000;

/** Hashes of every regular file; special files are recorded by kind, never opened. */
function fingerprint(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const st = lstatSync(full);
      const rel = path.relative(root, full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile())
        out[rel] = createHash('sha256').update(readFileSync(full)).digest('hex');
      else out[rel] = st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : 'special';
    }
  };
  walk(root);
  return out;
}

type Outcome = 'named' | 'usable' | 'missed' | 'unusable' | 'crash' | 'hang';

interface Row {
  readonly name: string;
  readonly kind: string;
  readonly damaged: boolean;
  readonly outcome: Outcome;
  readonly reasons: string[];
  readonly detail: string;
}

async function runCase(built: BuiltCase): Promise<Row> {
  const { fuzz } = built;
  const base = { name: fuzz.name, kind: fuzz.kind, damaged: fuzz.damaged };
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), CASE_TIMEOUT_MS);
  });
  const work = (async () => {
    const index = await openDataset(built.root, { deep: true });
    const own = index.problems.filter((p) => p.path === built.subject);
    const usable = Object.values(index.splits).flatMap((s) => s.samples);
    if (usable.length === 1 && index.problems.length === 0) {
      // Usable means training can load it, not only that the checks passed.
      const split = Object.keys(index.splits)[0]!;
      await index.source(split).load(0, { resize: { width: 16, height: 8 } });
    }
    return { own, usable: usable.length, all: index.problems };
  })();
  try {
    const result = await Promise.race([work, hang]);
    if (result === 'hang') return { ...base, outcome: 'hang', reasons: [], detail: 'timed out' };
    const reasons = result.all.map((p) => p.reason);
    const detail = result.all.map((p) => p.detail ?? '').join(' | ');
    if (fuzz.damaged) {
      const outcome = result.own.length > 0 && result.usable === 0 ? 'named' : 'missed';
      return { ...base, outcome, reasons, detail };
    }
    const ok = result.usable === 1 && result.all.length === 0;
    return { ...base, outcome: ok ? 'usable' : 'unusable', reasons, detail };
  } catch (err) {
    return { ...base, outcome: 'crash', reasons: [], detail: (err as Error).stack ?? String(err) };
  } finally {
    clearTimeout(timer);
  }
}

describe('fuzz: damaged and odd files', () => {
  const work = tempDir('fuzz');
  const built: BuiltCase[] = [];
  const rows: Row[] = [];
  let before: Record<string, string>;

  beforeAll(async () => {
    const cases = await fuzzCases();
    for (const [i, c] of cases.entries()) built.push(await buildCase(work.dir, c, i));
    before = fingerprint(work.dir);
    for (const b of built) rows.push(await runCase(b));
    const count = (o: Outcome): number => rows.filter((r) => r.outcome === o).length;
    const damaged = rows.filter((r) => r.damaged).length;
    const kinds = [...new Set(rows.map((r) => r.kind))].join(', ');
    console.log(
      [
        `fuzz: ${rows.length} files (${damaged} damaged, ${rows.length - damaged} good) across ${kinds}`,
        'tried  named  usable  missed  unusable  crashes  hangs',
        [
          rows.length,
          count('named'),
          count('usable'),
          count('missed'),
          count('unusable'),
          count('crash'),
          count('hang'),
        ]
          .map((n, i) => String(n).padStart(i === 0 ? 5 : [5, 6, 6, 8, 7, 5][i - 1]!))
          .join('  '),
      ].join('\n'),
    );
  }, 600_000);
  afterAll(() => work.cleanup());

  it('tries at least 40 damaged files across at least three file formats and two layouts', () => {
    expect(rows.filter((r) => r.damaged).length).toBeGreaterThanOrEqual(40);
    const formats = new Set(
      rows.filter((r) => r.damaged && r.kind !== 'special').map((r) => r.kind),
    );
    expect(formats.size).toBeGreaterThanOrEqual(3);
    expect(new Set(built.map((b) => b.layout))).toEqual(new Set(['folders', 'pairlist']));
  });

  it('never crashes and never hangs', () => {
    const bad = rows.filter((r) => r.outcome === 'crash' || r.outcome === 'hang');
    expect(bad.map((r) => `${r.name}: ${r.outcome} ${r.detail}`)).toEqual([]);
  });

  it('names every damaged file, with the expected reason where it is certain', () => {
    const missed = rows.filter((r) => r.damaged && r.outcome !== 'named');
    expect(missed.map((r) => `${r.name}: ${r.reasons.join(',')} ${r.detail}`)).toEqual([]);
    for (const b of built) {
      if (!b.fuzz.reason) continue;
      const row = rows.find((r) => r.name === b.fuzz.name)!;
      expect({ name: row.name, reasons: row.reasons }).toEqual({
        name: row.name,
        reasons: expect.arrayContaining([b.fuzz.reason]),
      });
    }
  });

  it('keeps every good file usable and loadable by training', () => {
    const unusable = rows.filter((r) => !r.damaged && r.outcome !== 'usable');
    expect(unusable.map((r) => `${r.name}: ${r.reasons.join(',')} ${r.detail}`)).toEqual([]);
  });

  it('changes no file', () => {
    expect(fingerprint(work.dir)).toEqual(before);
  });
});
