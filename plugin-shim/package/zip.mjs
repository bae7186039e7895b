// The JAR's ZIP container, written and read with fflate (npm, pure JavaScript, no native zlib:
// the same input gives the same bytes on every machine).
//
// Writer: entries are written in the order given (the caller sorts them); every entry gets the
// same fixed timestamp and fixed Unix permissions; no extra fields, no comment and no data
// descriptors; non-empty files are DEFLATEd (level 9), directories and empty files stored.
// Limits: no ZIP64 (fewer than 65,535 entries, every size below 4 GiB) — far beyond a plugin.
import { zipSync, unzipSync } from 'fflate';

/**
 * 1980-02-01 00:00:00, the usual reproducible-build timestamp (a month clear of the DOS epoch).
 * fflate writes the DOS date and time from a Date's LOCAL fields, so the date is built from local
 * fields too: the bytes are then the same whatever the machine's time zone.
 */
export const FIXED_TIME = new Date(1980, 1, 1, 0, 0, 0);

const UNIX = 3; // "version made by" host: Unix, so the external attributes carry Unix modes
const MODE_FILE = 0o100644;
const MODE_DIR = 0o040755;

function checkName(name) {
  if (typeof name !== 'string' || name === '') throw new Error('ZIP entry name must be a non-empty string');
  if (name.startsWith('/') || name.includes('\\') || name.includes('\0')) throw new Error(`bad ZIP entry name: ${JSON.stringify(name)}`);
  if (name.split('/').some((part, i, all) => part === '..' || part === '.' || (part === '' && i !== all.length - 1))) {
    throw new Error(`bad ZIP entry name: ${JSON.stringify(name)}`);
  }
  // fflate takes the entries as an object; JavaScript puts integer-like keys first, whatever the
  // insertion order, so such a name would silently change the entry order.
  if (/^(0|[1-9]\d*)$/.test(name)) throw new Error(`ZIP entry name ${JSON.stringify(name)} looks like an array index; give it an extension or a directory`);
}

/**
 * Builds a ZIP archive.
 * @param {Array<{name: string, data?: Buffer|Uint8Array|string}>} entries  a name ending in "/" is a directory
 * @param {{time?: Date, level?: number}} [options]
 * @returns {Buffer}
 */
export function writeZip(entries, { time = FIXED_TIME, level = 9 } = {}) {
  if (entries.length >= 0xffff) throw new Error('too many ZIP entries (no ZIP64 support)');
  const files = Object.create(null);
  for (const entry of entries) {
    checkName(entry.name);
    if (Object.hasOwn(files, entry.name)) throw new Error(`duplicate ZIP entry: ${entry.name}`);
    const isDir = entry.name.endsWith('/');
    if (isDir && entry.data?.length) throw new Error(`directory entry with data: ${entry.name}`);
    const data = isDir ? new Uint8Array(0) : typeof entry.data === 'string' || entry.data === undefined ? Buffer.from(entry.data ?? '', 'utf8') : entry.data;
    const attrs = (((isDir ? MODE_DIR : MODE_FILE) << 16) | (isDir ? 0x10 : 0)) >>> 0;
    files[entry.name] = [data, { level: data.length ? level : 0, mtime: time, os: UNIX, attrs }];
  }
  const out = zipSync(files);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Reads a plain (stored or DEFLATE) ZIP archive such as a JAR.
 * @param {Buffer|Uint8Array} buf
 * @returns {Map<string, Buffer>} entry name -> contents (directories map to an empty Buffer)
 */
export function readZip(buf) {
  let files;
  try {
    files = unzipSync(buf instanceof Uint8Array ? buf : new Uint8Array(buf));
  } catch (e) {
    throw new Error(`not a readable ZIP file: ${e.message}`);
  }
  return new Map(Object.entries(files).map(([name, d]) => [name, Buffer.from(d.buffer, d.byteOffset, d.byteLength)]));
}
