/**
 * Labels files in the shapes users bring: the seed's SEG_LABELS_LIST as JSON
 * (`[{id, name, rgb_values, void?}]`), CSV (`id,name,r,g,b`, or `name,r,g,b` like CamVid's
 * class_dict.csv where the row order is the id; RFC 4180 quoting, so `"road, wet"` is one
 * name) and CVAT's `labelmap.txt` (see labelmap.ts). Pure text parsing: the caller reads.
 */
import { z } from 'zod';
import { ClassDef, RgbColor } from './descriptor';
import { parseCsv } from './csv';
import { describeJsonError } from './json-error';
import { looksLikeLabelmap, parseLabelmap } from './labelmap';

const JsonLabel = z.object({
  id: z.number().int(),
  name: z.string().min(1),
  rgb_values: RgbColor.optional(),
  color: RgbColor.optional(),
  void: z.boolean().optional(),
});

export type LabelsParse = { ok: true; classes: ClassDef[] } | { ok: false; error: string };

/** Names that datasets use for the ignored class when they do not flag it explicitly. */
const VOID_NAMES = /^(void|unlabell?ed|ignore|ignored|don'?t ?care)$/i;

function toClass(id: number, name: string, color: readonly number[], isVoid: boolean): ClassDef {
  const [r = 0, g = 0, b = 0] = color;
  const cls: ClassDef = { id, name, color: [r, g, b] };
  if (isVoid) cls.void = true;
  return cls;
}

/** Flags the void class by name or negative id when no entry says `void: true`. */
function inferVoid(classes: ClassDef[]): ClassDef[] {
  if (classes.some((c) => c.void)) return classes;
  return classes.map((c) =>
    c.id < 0 || VOID_NAMES.test(c.name.trim()) ? { ...c, void: true } : c,
  );
}

function checkUnique(classes: ClassDef[]): LabelsParse {
  const seen = new Set<number>();
  for (const c of classes) {
    if (seen.has(c.id)) return { ok: false, error: `class id ${c.id} appears twice` };
    seen.add(c.id);
  }
  if (classes.length === 0) return { ok: false, error: 'no classes' };
  return { ok: true, classes: inferVoid([...classes].sort((a, b) => a.id - b.id)) };
}

export function parseLabelsJson(text: string): LabelsParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: describeJsonError(text, err) };
  }
  // Accept both a bare list and `{ "classes": [...] }` / `{ "labels": [...] }`.
  const list =
    raw && typeof raw === 'object' && !Array.isArray(raw)
      ? ((raw as Record<string, unknown>)['classes'] ?? (raw as Record<string, unknown>)['labels'])
      : raw;
  const parsed = z.array(JsonLabel).safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: `expected a list of {id, name, rgb_values}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
    };
  }
  return checkUnique(
    parsed.data.map((l) =>
      toClass(l.id, l.name, l.rgb_values ?? l.color ?? [0, 0, 0], l.void === true),
    ),
  );
}

const isInt = (s: string | undefined): boolean => s !== undefined && /^-?\d+$/.test(s);

export function parseLabelsCsv(text: string): LabelsParse {
  const parsed = parseCsv(text);
  if (!parsed.ok) return parsed;
  const rows = parsed.records.filter((r) => !(r.fields[0] ?? '').startsWith('#'));
  const first = rows[0];
  if (!first) return { ok: false, error: 'empty CSV' };
  const hasHeader = !first.fields.slice(-3).every(isInt);
  const body = hasHeader ? rows.slice(1) : rows;
  const classes: ClassDef[] = [];
  for (const [i, record] of body.entries()) {
    const row = record.fields;
    const lineNo = record.line;
    const withId = row.length >= 5 && isInt(row[0]);
    const [idCell, name, r, g, b] = withId ? row : [String(i), ...row];
    if (!name || ![r, g, b].every(isInt) || !isInt(idCell)) {
      return { ok: false, error: `line ${lineNo}: expected id,name,r,g,b or name,r,g,b` };
    }
    const color = [Number(r), Number(g), Number(b)];
    if (color.some((v) => v < 0 || v > 255)) {
      return { ok: false, error: `line ${lineNo}: colour values must be 0..255` };
    }
    const voidCell = row[5]?.toLowerCase();
    classes.push(toClass(Number(idCell), name, color, voidCell === 'true' || voidCell === 'void'));
  }
  return checkUnique(classes);
}

export function parseLabels(text: string, fileName: string): LabelsParse {
  // Windows editors save UTF-8 with a byte-order mark; JSON.parse and the CSV id cell choke on it.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (/\.json$/i.test(fileName)) return parseLabelsJson(body);
  if (/\.txt$/i.test(fileName) && looksLikeLabelmap(body)) {
    const map = parseLabelmap(body);
    return map.ok ? { ok: true, classes: inferVoid(map.classes) } : map;
  }
  return parseLabelsCsv(body);
}
