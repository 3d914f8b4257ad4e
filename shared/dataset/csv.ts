/**
 * A small RFC 4180 CSV reader: fields may be quoted (`"road, wet"`), quotes inside quoted
 * fields are doubled (`"the ""main"" road"`), quoted fields may span lines, and records end
 * with CRLF or LF. The delimiter is a comma unless the first record has none outside quotes
 * and has semicolons or tabs instead (spreadsheet exports in some locales). Pure text parsing.
 */

export interface CsvRecord {
  /** 1-based line on which the record starts. */
  readonly line: number;
  readonly fields: string[];
}

export type CsvParse =
  | { readonly ok: true; readonly records: CsvRecord[] }
  | { readonly ok: false; readonly error: string };

/** The delimiter the first line uses outside quotes: `,` first, then `;`, then a tab. */
export function sniffDelimiter(text: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  for (const d of [',', ';', '\t']) if (counts.get(d)! > 0) return d;
  return ',';
}

export function parseCsv(text: string, delimiter = sniffDelimiter(text)): CsvParse {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let wasQuoted = false;
  let i = 0;
  const endField = (): void => {
    // Unquoted fields are trimmed (hand-written files pad with spaces); quoted ones are kept.
    fields.push(wasQuoted ? field : field.trim());
    field = '';
    wasQuoted = false;
  };
  const endRecord = (): void => {
    endField();
    if (fields.length > 1 || fields[0] !== '') records.push({ line: start, fields });
    fields = [];
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field.trim() === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (ch === '"') {
      return { ok: false, error: `line ${line}: a quote inside an unquoted field` };
    } else if (ch === delimiter) {
      endField();
    } else if (ch === '\r' || ch === '\n') {
      endRecord();
      if (ch === '\r' && text[i + 1] === '\n') i++;
      line++;
      start = line;
    } else if (wasQuoted) {
      if (ch.trim() !== '') {
        return { ok: false, error: `line ${line}: text after the closing quote of a field` };
      }
    } else {
      field += ch;
    }
    i++;
  }
  if (quoted) return { ok: false, error: `line ${start}: a quoted field is never closed` };
  endRecord();
  return { ok: true, records };
}
