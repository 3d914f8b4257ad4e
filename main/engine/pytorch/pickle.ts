/**
 * A deliberately small pickle interpreter: the opcodes `torch.save` emits for a state_dict
 * (protocol 2, plus the few protocol 4 ones newer writers may use). It never imports or calls
 * anything: globals become inert `PickleGlobal` markers and REDUCE becomes a `PickleCall`
 * that the caller interprets, so a hostile file cannot run code.
 */

export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

export class PickleCall {
  /** Instance state set by BUILD (e.g. an OrderedDict's `_metadata`), ignored by us. */
  state: unknown = undefined;
  constructor(
    readonly fn: unknown,
    readonly args: readonly unknown[],
  ) {}
}

/** Dicts keep insertion order; keys are usually strings. */
export type PickleDict = Map<unknown, unknown>;

export type PersistentLoad = (pid: unknown) => unknown;
export type ReduceHook = (call: PickleCall) => unknown;

const MARK = Symbol('mark');

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new Error('pickle: unexpected end of data');
    return this.buf[this.pos++]!;
  }

  bytes(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Error('pickle: unexpected end of data');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  line(): string {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end < 0) throw new Error('pickle: unterminated line');
    const s = this.buf.toString('latin1', this.pos, end);
    this.pos = end + 1;
    return s;
  }

  u16(): number {
    return this.bytes(2).readUInt16LE(0);
  }
  u32(): number {
    return this.bytes(4).readUInt32LE(0);
  }
  i32(): number {
    return this.bytes(4).readInt32LE(0);
  }
}

function littleEndianInt(bytes: Buffer): number {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes.length > 0 && bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(bytes.length * 8);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new Error('pickle: integer too large');
  }
  return Number(value);
}

export function unpickle(
  data: Buffer,
  hooks: { persistentLoad: PersistentLoad; reduce?: ReduceHook },
): unknown {
  const r = new Reader(data);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const pop = (): unknown => {
    if (stack.length === 0) throw new Error('pickle: stack underflow');
    return stack.pop();
  };
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new Error('pickle: no MARK on the stack');
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const top = (): unknown => stack[stack.length - 1];
  const asDict = (v: unknown, op: string): PickleDict => {
    if (v instanceof Map) return v;
    throw new Error(`pickle: ${op} on a non-dict`);
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    const d = asDict(dict, 'SETITEMS');
    for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
  };
  const reduce = (fn: unknown, args: unknown): unknown => {
    if (!Array.isArray(args)) throw new Error('pickle: REDUCE arguments are not a tuple');
    const call = new PickleCall(fn, args);
    if (fn instanceof PickleGlobal && fn.qualified === 'collections.OrderedDict') {
      return new Map<unknown, unknown>();
    }
    return hooks.reduce ? hooks.reduce(call) : call;
  };

  for (;;) {
    const op = r.byte();
    switch (op) {
      case 0x80: // PROTO
        r.byte();
        break;
      case 0x95: // FRAME
        r.bytes(8);
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map<unknown, unknown>());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(r.i32());
        break;
      case 0x4b: // BININT1
        stack.push(r.byte());
        break;
      case 0x4d: // BININT2
        stack.push(r.u16());
        break;
      case 0x8a: // LONG1
        stack.push(littleEndianInt(r.bytes(r.byte())));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        stack.push(r.bytes(8).readDoubleBE(0));
        break;
      case 0x58: // BINUNICODE
        stack.push(r.bytes(r.u32()).toString('utf8'));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(r.bytes(r.byte()).toString('utf8'));
        break;
      case 0x54: // BINSTRING
        stack.push(r.bytes(r.i32()).toString('latin1'));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(r.bytes(r.byte()).toString('latin1'));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(Buffer.from(r.bytes(r.byte())));
        break;
      case 0x42: // BINBYTES
        stack.push(Buffer.from(r.bytes(r.u32())));
        break;
      case 0x63: {
        // GLOBAL
        const module = r.line();
        stack.push(new PickleGlobal(module, r.line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        stack.push(new PickleGlobal(String(module), String(name)));
        break;
      }
      case 0x71: // BINPUT
        memo.set(r.byte(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(r.u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = op === 0x68 ? r.byte() : r.u32();
        if (!memo.has(key)) throw new Error(`pickle: memo ${key} is not set`);
        stack.push(memo.get(key));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(reduce(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        stack.push(reduce(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD: instance state; kept on calls, dropped on dicts (OrderedDict._metadata).
        const state = pop();
        const obj = top();
        if (obj instanceof PickleCall) obj.state = state;
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        asDict(top(), 'SETITEM').set(key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const value = pop();
        const list = top();
        if (!Array.isArray(list)) throw new Error('pickle: APPEND on a non-list');
        list.push(value);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) throw new Error('pickle: APPENDS on a non-list');
        list.push(...items);
        break;
      }
      default:
        throw new Error(
          `pickle: unsupported opcode 0x${op.toString(16)} at byte ${r.pos - 1} (not a plain state_dict?)`,
        );
    }
  }
}
