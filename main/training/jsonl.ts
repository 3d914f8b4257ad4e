/**
 * JSON-lines history files (metrics.jsonl, steps.jsonl). Appends are not atomic, so a kill
 * can leave a torn last line: readers skip lines that do not parse or validate, and a resume
 * rewrites the file (atomically) to exactly the lines that precede the restored checkpoint.
 */
import { promises as fs } from 'node:fs';
import type { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic';

export async function appendJsonLines(file: string, values: readonly unknown[]): Promise<void> {
  if (values.length === 0) return;
  const text = values.map((v) => `${JSON.stringify(v)}\n`).join('');
  await fs.appendFile(file, await withLeadingNewlineIfTorn(file, text));
}

/** A torn last line must not swallow the next record: start on a fresh line. */
async function withLeadingNewlineIfTorn(file: string, text: string): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return text;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return text;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a ? text : `\n${text}`;
  } finally {
    await handle.close();
  }
}

export async function readJsonLines<S extends z.ZodType>(
  file: string,
  schema: S,
): Promise<z.infer<S>[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return [];
  }
  const out: z.infer<S>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = schema.safeParse(raw);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/** Rewrites the file with only the valid lines that `keep` accepts. */
export async function retainJsonLines<S extends z.ZodType>(
  file: string,
  schema: S,
  keep: (value: z.infer<S>) => boolean,
): Promise<z.infer<S>[]> {
  const kept = (await readJsonLines(file, schema)).filter(keep);
  await writeFileAtomic(file, kept.map((v) => `${JSON.stringify(v)}\n`).join(''));
  return kept;
}
