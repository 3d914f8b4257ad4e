/**
 * Minimal ZIP (stored, no compression) writer and reader for single-file model archives.
 * Model weights are float noise that deflate barely shrinks, so "stored" keeps the code tiny
 * and the archive readable by every unzip tool. No ZIP64: archives are limited to 4 GiB.
 */

export interface ZipEntry {
  /** Path inside the archive, forward slashes, no leading slash. */
  readonly name: string;
  readonly data: Uint8Array;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const VERSION = 20;
const UTF8_FLAG = 0x0800;
const MAX_U32 = 0xffffffff;

let crcTable: Uint32Array | undefined;

function table(): Uint32Array {
  if (crcTable) return crcTable;
  crcTable = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crcTable[n] = c >>> 0;
  }
  return crcTable;
}

/** CRC-32 (IEEE 802.3, as used by ZIP and PNG). */
export function crc32(data: Uint8Array): number {
  const t = table();
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(1980, date.getFullYear());
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

function checkName(name: string): void {
  if (!name || name.startsWith('/') || name.includes('\\') || name.split('/').includes('..')) {
    throw new Error(`zip: invalid entry name "${name}"`);
  }
}

interface EntryFields {
  readonly stamp: { time: number; date: number };
  readonly crc: number;
  readonly size: number;
  readonly nameLength: number;
}

/**
 * The 24 bytes local and central headers share, from "version needed to extract" to the
 * name length: UTF-8 names, stored (method 0), so both sizes are the data's size.
 */
function writeEntryFields(header: Buffer, at: number, f: EntryFields): void {
  header.writeUInt16LE(VERSION, at);
  header.writeUInt16LE(UTF8_FLAG, at + 2);
  header.writeUInt16LE(0, at + 4); // method: stored
  header.writeUInt16LE(f.stamp.time, at + 6);
  header.writeUInt16LE(f.stamp.date, at + 8);
  header.writeUInt32LE(f.crc, at + 10);
  header.writeUInt32LE(f.size, at + 14);
  header.writeUInt32LE(f.size, at + 18);
  header.writeUInt16LE(f.nameLength, at + 22);
}

/** Builds a stored ZIP archive in memory. */
export function createZip(entries: readonly ZipEntry[], modified = new Date()): Buffer {
  const stamp = dosDateTime(modified);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    checkName(entry.name);
    const name = Buffer.from(entry.name, 'utf8');
    const crc = crc32(entry.data);
    const size = entry.data.length;
    if (size > MAX_U32 || offset > MAX_U32) throw new Error('zip: archive larger than 4 GiB');
    const fields: EntryFields = { stamp, crc, size, nameLength: name.length };
    // Local header: signature, then the shared fields from "version needed"; extra length 0.
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    writeEntryFields(local, 4, fields);
    // Central header: signature, "version made by", the shared fields; extra, comment, disk,
    // internal attributes, external attributes stay 0; then the local header's offset.
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_HEADER, 0);
    central.writeUInt16LE(VERSION, 4);
    writeEntryFields(central, 6, fields);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(entry.data.buffer, entry.data.byteOffset, size));
    centrals.push(central, name);
    offset += 30 + name.length + size;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}

function findEndOfCentral(zip: Buffer): number {
  // The end record is 22 bytes plus a comment of at most 65535 bytes.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let i = zip.length - 22; i >= lowest; i--) {
    if (zip.readUInt32LE(i) === END_OF_CENTRAL) return i;
  }
  throw new Error('not a zip archive (no end-of-central-directory record)');
}

/** Reads every entry of a stored ZIP archive, verifying CRCs. Compressed entries are refused. */
export function readZip(zip: Buffer): ZipEntry[] {
  const end = findEndOfCentral(zip);
  const count = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== CENTRAL_HEADER) {
      throw new Error(`zip: central directory entry ${i} is corrupt`);
    }
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const size = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;
    if (method !== 0) throw new Error(`zip: entry "${name}" is compressed (method ${method})`);
    if (zip.readUInt32LE(localOffset) !== LOCAL_HEADER) {
      throw new Error(`zip: local header of "${name}" is corrupt`);
    }
    const start =
      localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    if (start + size > zip.length) throw new Error(`zip: entry "${name}" is truncated`);
    const data = zip.subarray(start, start + size);
    if (crc32(data) !== crc) throw new Error(`zip: entry "${name}" fails its CRC check`);
    checkName(name);
    entries.push({ name, data });
  }
  return entries;
}
