import { promises as fs } from 'node:fs';
import type { z } from 'zod';

/**
 * A JSON file we wrote earlier (cache, report, stamp, recent list), read back through its
 * schema. Missing, unreadable, damaged or of an older shape all mean "not there": the caller
 * recomputes or shows nothing, it never fails because of a stale file.
 */
export async function readJsonOrNull<T>(file: string, schema: z.ZodType<T>): Promise<T | null> {
  try {
    const parsed = schema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
