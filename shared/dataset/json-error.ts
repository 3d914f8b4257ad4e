/**
 * Offset of the first JSON syntax error in `text`, or -1. JSON.parse says what is wrong but on
 * Node 20 not always where (`Unexpected token 'x', "..." is not valid JSON`), and a person
 * fixing a labels file needs the line; this small scanner exists only to find it.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new RangeError(String(i));
  };
  const skipSpace = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const take = (token: string): void => {
    if (!text.startsWith(token, i)) fail();
    i += token.length;
  };
  const string = (): void => {
    take('"');
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    take('"');
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const sequence = (close: string, item: () => void): void => {
    i++;
    skipSpace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      skipSpace();
      if (text[i] !== ',') return take(close);
      i++;
    }
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      return sequence('}', () => {
        skipSpace();
        string();
        skipSpace();
        take(':');
        value();
      });
    }
    if (c === '[') return sequence(']', value);
    if (c === '"') return string();
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    const literal = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
    if (!literal) fail();
    i += literal!.length;
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail();
    return -1;
  } catch (err) {
    if (err instanceof RangeError) return Math.min(Number(err.message), text.length);
    throw err;
  }
}

/** `line L column C` (1-based) of an offset in `text`. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `line ${before.split('\n').length} column ${offset - before.lastIndexOf('\n')}`;
}

/** `not valid JSON at line L column C (what JSON.parse said)` for a failed JSON.parse(text). */
export function describeJsonError(text: string, err: unknown): string {
  const offset = jsonErrorOffset(text);
  const where = offset >= 0 ? ` at ${lineColumn(text, offset)}` : '';
  return `not valid JSON${where} (${err instanceof Error ? err.message : String(err)})`;
}
