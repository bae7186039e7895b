// A small, deterministic ZIP (JAR) writer and reader. No dependencies: node:zlib for DEFLATE and,
// where available (Node >= 20.15), CRC-32; otherwise a table CRC-32.
//
// Writer: entries are written in the order given (the caller sorts them), every entry gets the
// same fixed timestamp and fixed Unix permissions, there are no extra fields, no comment and no
// data descriptors, so the same input always gives the same bytes (for one zlib build).
// Limits: no ZIP64 (fewer than 65,535 entries, every size below 4 GiB) — far beyond a plugin.
import * as zlib from 'node:zlib';

let TABLE;
function tableCrc32(buf) {
  if (!TABLE) {
    TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      TABLE[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < buf.length; i++) crc = TABLE[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 (ISO-HDLC, as ZIP uses) of a Buffer, as an unsigned 32-bit number. */
export const crc32 = typeof zlib.crc32 === 'function' ? (buf) => zlib.crc32(buf) >>> 0 : tableCrc32;
export { tableCrc32 as _tableCrc32 };

/** 1980-02-01 00:00:00, the usual reproducible-build timestamp (a month clear of the DOS epoch). */
export const FIXED_TIME = new Date(Date.UTC(1980, 1, 1, 0, 0, 0));

function dosDateTime(date) {
  // DOS time has no zone; the UTC fields are used so the result does not depend on the machine's TZ.
  const y = date.getUTCFullYear();
  if (y < 1980 || y > 2107) throw new RangeError(`ZIP timestamps must be in 1980..2107, not ${y}`);
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
    date: ((y - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const FLAG_UTF8 = 0x0800;
const MADE_BY_UNIX = (3 << 8) | 20; // host: Unix, spec 2.0
const MODE_FILE = 0o100644;
const MODE_DIR = 0o040755;

function checkName(name) {
  if (typeof name !== 'string' || name === '') throw new Error('ZIP entry name must be a non-empty string');
  if (name.startsWith('/') || name.includes('\\') || name.includes('\0')) throw new Error(`bad ZIP entry name: ${JSON.stringify(name)}`);
  if (name.split('/').some((part, i, all) => part === '..' || part === '.' || (part === '' && i !== all.length - 1))) {
    throw new Error(`bad ZIP entry name: ${JSON.stringify(name)}`);
  }
}

/**
 * Builds a ZIP archive.
 * @param {Array<{name: string, data?: Buffer|string}>} entries  a name ending in "/" is a directory
 * @param {{time?: Date, level?: number}} [options]
 * @returns {Buffer}
 */
export function writeZip(entries, { time = FIXED_TIME, level = 9 } = {}) {
  const { time: dosTime, date: dosDate } = dosDateTime(time);
  if (entries.length >= 0xffff) throw new Error('too many ZIP entries (no ZIP64 support)');
  const seen = new Set();
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const entry of entries) {
    checkName(entry.name);
    if (seen.has(entry.name)) throw new Error(`duplicate ZIP entry: ${entry.name}`);
    seen.add(entry.name);
    const isDir = entry.name.endsWith('/');
    const data = isDir ? Buffer.alloc(0) : Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data ?? '', 'utf8');
    if (isDir && entry.data?.length) throw new Error(`directory entry with data: ${entry.name}`);
    const nameBuf = Buffer.from(entry.name, 'utf8');
    const flags = /^[\x20-\x7e]*$/.test(entry.name) ? 0 : FLAG_UTF8;
    const crc = crc32(data);
    let method = 0;
    let body = data;
    if (data.length > 0) {
      const deflated = zlib.deflateRawSync(data, { level });
      if (deflated.length < data.length) {
        method = 8;
        body = deflated;
      }
    }
    if (data.length > 0xfffffffe || body.length > 0xfffffffe || offset > 0xfffffffe) throw new Error('ZIP too large (no ZIP64 support)');
    const versionNeeded = method === 8 ? 20 : 10;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(SIG_LOCAL, 0);
    local.writeUInt16LE(versionNeeded, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBuf, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(SIG_CENTRAL, 0);
    central.writeUInt16LE(MADE_BY_UNIX, 4);
    central.writeUInt16LE(versionNeeded, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((((isDir ? MODE_DIR : MODE_FILE) << 16) | (isDir ? 0x10 : 0)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);

    offset += 30 + nameBuf.length + body.length;
  }
  const cdSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(SIG_END, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, ...centrals, end]);
}

/**
 * Reads a ZIP archive written by writeZip (or any plain, non-ZIP64, unencrypted ZIP using the
 * stored or DEFLATE methods). Verifies each entry's CRC-32.
 * @param {Buffer} buf
 * @returns {Map<string, Buffer>} entry name -> contents (directories map to an empty Buffer)
 */
export function readZip(buf) {
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === SIG_END) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a ZIP file (no end of central directory)');
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const out = new Map();
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== SIG_CENTRAL) throw new Error(`bad central directory entry #${n}`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28);
    const elen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1', p + 46, p + 46 + nlen);
    if (flags & 1) throw new Error(`${name}: encrypted entries are not supported`);
    if (buf.readUInt32LE(local) !== SIG_LOCAL) throw new Error(`${name}: bad local header`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + csize);
    let data;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = zlib.inflateRawSync(raw);
    else throw new Error(`${name}: unsupported compression method ${method}`);
    if (data.length !== usize) throw new Error(`${name}: size mismatch`);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch`);
    if (out.has(name)) throw new Error(`duplicate ZIP entry: ${name}`);
    out.set(name, data);
    p += 46 + nlen + elen + clen;
  }
  return out;
}
