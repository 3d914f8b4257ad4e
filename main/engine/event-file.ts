/**
 * TensorBoard event files as stored on disk: TFRecord framing (length, masked CRC-32C of the
 * length, payload, masked CRC-32C of the payload) around serialized `tensorflow.Event`
 * protobufs. libtensorflow writes them; we only read them back, to trim the steps a crash lost
 * when a run resumes (`trimEventFiles`), copying every kept record byte for byte so its CRCs
 * stay the writer's own.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic';

/** TensorFlow's event file names: `events.out.tfevents.<time>.<host>...`. */
export const EVENT_FILE_PREFIX = 'events.out.tfevents.';

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC (so a CRC stored inside CRC'd data does not look like one). */
function maskedCrc(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** One intact record: its payload and the whole framed record (for copying it verbatim). */
export interface TfRecord {
  readonly payload: Buffer;
  readonly framed: Buffer;
}

/**
 * The intact records of a TFRecord file, in order. Stops at the first torn or damaged record
 * (a kill during an append leaves one at the end): what follows it cannot be trusted.
 */
export function readTfRecords(data: Buffer): TfRecord[] {
  const records: TfRecord[] = [];
  let at = 0;
  while (at + 12 <= data.length) {
    const header = data.subarray(at, at + 8);
    if (data.readUInt32LE(at + 8) !== maskedCrc(header)) break;
    const length = Number(data.readBigUInt64LE(at));
    const end = at + 12 + length + 4;
    if (end > data.length) break;
    const payload = data.subarray(at + 12, at + 12 + length);
    if (data.readUInt32LE(at + 12 + length) !== maskedCrc(payload)) break;
    records.push({ payload, framed: data.subarray(at, end) });
    at = end;
  }
  return records;
}

/** One protobuf field: number, wire type, and its value (varint/fixed as bigint, bytes). */
export interface ProtoField {
  readonly field: number;
  readonly wire: number;
  readonly int?: bigint;
  readonly bytes?: Buffer;
}

function readVarint(buf: Buffer, at: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length; i++) {
    const byte = buf[i]!;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
    shift += 7n;
  }
  throw new Error('truncated varint');
}

/** The top-level fields of one protobuf message (no schema needed). Throws on bad framing. */
export function protoFields(buf: Buffer): ProtoField[] {
  const fields: ProtoField[] = [];
  let at = 0;
  while (at < buf.length) {
    const key = readVarint(buf, at);
    at = key.next;
    const field = Number(key.value >> 3n);
    const wire = Number(key.value & 7n);
    if (wire === 0) {
      const v = readVarint(buf, at);
      fields.push({ field, wire, int: v.value });
      at = v.next;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (at + size > buf.length) throw new Error('truncated fixed field');
      fields.push({ field, wire, bytes: buf.subarray(at, at + size) });
      at += size;
    } else if (wire === 2) {
      const len = readVarint(buf, at);
      const end = len.next + Number(len.value);
      if (end > buf.length) throw new Error('truncated length-delimited field');
      fields.push({ field, wire, bytes: buf.subarray(len.next, end) });
      at = end;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
  return fields;
}

/** `Event.step` (field 2); 0 when absent, as for the file's leading `file_version` record. */
export function eventStep(payload: Buffer): number {
  const step = protoFields(payload).find((f) => f.field === 2 && f.wire === 0);
  return step?.int === undefined ? 0 : Number(BigInt.asIntN(64, step.int));
}

/** The event files of `dir`, sorted by name (= by creation time, as TensorBoard reads them). */
export async function eventFiles(dir: string): Promise<string[]> {
  // No folder yet (a run's first session): no files.
  const names = await fs.readdir(dir).catch((): string[] => []);
  return names
    .filter((n) => n.startsWith(EVENT_FILE_PREFIX))
    .sort()
    .map((n) => path.join(dir, n));
}

/**
 * Makes the event files of `dir` end at `lastStep`: records of later steps (work a crash lost,
 * which the resumed run is about to redo) and torn records are dropped; a file left with no
 * step at all is removed. Files that need no change are not touched. Each rewrite is atomic.
 */
export async function trimEventFiles(dir: string, lastStep: number): Promise<void> {
  for (const file of await eventFiles(dir)) {
    const data = await fs.readFile(file);
    const records = readTfRecords(data);
    const kept = records.filter((r) => eventStep(r.payload) <= lastStep);
    const keptBytes = kept.reduce((n, r) => n + r.framed.length, 0);
    if (keptBytes === data.length) continue;
    if (!kept.some((r) => eventStep(r.payload) > 0)) {
      await fs.rm(file, { force: true });
      continue;
    }
    await writeFileAtomic(file, Buffer.concat(kept.map((r) => r.framed)));
  }
}
