// Minimal ELF reader: machine, SONAME and NEEDED of a shared library, without binutils.
// Reads only the headers and the dynamic section (a few KiB even for a 800 MB library).

import fs from 'node:fs';

const MACHINES = { 0x03: 'x86', 0x28: 'arm', 0x3e: 'x86_64', 0xb7: 'aarch64', 0xf3: 'riscv' };

/** Map os.arch() to ELF machine names. */
export const NODE_ARCH_TO_ELF = {
  x64: 'x86_64',
  arm64: 'aarch64',
  arm: 'arm',
  ia32: 'x86',
  riscv64: 'riscv',
};

/**
 * @returns {{machine: string, bits: number, soname: string|null, needed: string[]}}
 * @throws if the file is not an ELF shared object we can parse
 */
export function readElfInfo(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const read = (pos, len) => {
      const b = Buffer.alloc(len);
      const n = fs.readSync(fd, b, 0, len, pos);
      if (n !== len) throw new Error(`${file}: truncated ELF file`);
      return b;
    };
    const h = read(0, 64);
    if (h.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file}: not an ELF file`);
    const bits = h[4] === 2 ? 64 : 32;
    const le = h[5] === 1;
    const u16 = (b, o) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b, o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u64 = (b, o) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    const word = bits === 64 ? u64 : u32;
    const machineId = u16(h, 18);
    const machine = MACHINES[machineId] || `elf-machine-${machineId}`;
    const shoff = bits === 64 ? u64(h, 0x28) : u32(h, 0x20);
    const shentsize = u16(h, bits === 64 ? 0x3a : 0x2e);
    const shnum = u16(h, bits === 64 ? 0x3c : 0x30);
    const info = { machine, bits, soname: null, needed: [] };
    if (!shoff || !shnum) return info;
    const sh = read(shoff, shentsize * shnum);
    const section = (i) => {
      const o = i * shentsize;
      return bits === 64
        ? {
            type: u32(sh, o + 4),
            offset: u64(sh, o + 0x18),
            size: u64(sh, o + 0x20),
            link: u32(sh, o + 0x28),
          }
        : {
            type: u32(sh, o + 4),
            offset: u32(sh, o + 0x10),
            size: u32(sh, o + 0x14),
            link: u32(sh, o + 0x18),
          };
    };
    for (let i = 0; i < shnum; i++) {
      const s = section(i);
      if (s.type !== 6 /* SHT_DYNAMIC */) continue;
      const str = section(s.link);
      const strtab = read(str.offset, str.size);
      const cstr = (off) => strtab.toString('latin1', off, strtab.indexOf(0, off));
      const dyn = read(s.offset, s.size);
      const entSize = bits === 64 ? 16 : 8;
      for (let o = 0; o + entSize <= dyn.length; o += entSize) {
        const tag = word(dyn, o);
        const val = word(dyn, o + entSize / 2);
        if (tag === 0) break;
        if (tag === 14 /* DT_SONAME */) info.soname = cstr(val);
        else if (tag === 1 /* DT_NEEDED */) info.needed.push(cstr(val));
      }
      break;
    }
    return info;
  } finally {
    fs.closeSync(fd);
  }
}
