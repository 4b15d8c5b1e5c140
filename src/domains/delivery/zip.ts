// A ZIP writer for the disclosure package: the person opens it with whatever their computer
// ships with (Windows Explorer, macOS Archive Utility, unzip), so it writes the plain, widely
// read subset of the format: one local header per file, a central directory, deflate or store,
// CRC-32, UTF-8 names flagged as such (Japanese file names), and no ZIP64. Everything is in
// memory: a package is bounded by the findings limits, far below the 4 GiB the format allows.
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** Forward slashes, relative, no `..`; e.g. `csv/shop__orders.csv`. */
  path: string;
  bytes: Buffer;
  modifiedAt: Date;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const VERSION_NEEDED = 20; // 2.0: deflate and folders
const FLAG_UTF8 = 0x0800; // bit 11: the name is UTF-8
const METHOD_STORE = 0;
const METHOD_DEFLATE = 8;
const EXTENDED_TIMESTAMP = 0x5455;
const MAX_ENTRIES = 0xffff;
const MAX_OFFSET = 0xffffffff;
/** DOS times have no zone; readers show them as local time, and our readers are in Japan. */
const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

function dosDateTime(at: Date): { time: number; date: number } {
  const local = new Date(at.getTime() + JST_OFFSET_MS);
  // The DOS format covers 1980–2107; anything outside is clamped rather than wrapped.
  const year = Math.min(Math.max(local.getUTCFullYear(), 1980), 2107);
  const time = (local.getUTCHours() << 11) | (local.getUTCMinutes() << 5) | Math.floor(local.getUTCSeconds() / 2);
  const date = ((year - 1980) << 9) | ((local.getUTCMonth() + 1) << 5) | local.getUTCDate();
  return { time, date };
}

/** The "UT" extra field: the modification time in UTC seconds, which Info-ZIP and 7-Zip prefer
 * to the zoneless DOS time. */
function extendedTimestamp(at: Date): Buffer {
  const seconds = Math.min(Math.max(Math.floor(at.getTime() / 1000), 0), 0xffffffff);
  const field = Buffer.alloc(9);
  field.writeUInt16LE(EXTENDED_TIMESTAMP, 0);
  field.writeUInt16LE(5, 2);
  field.writeUInt8(1, 4); // flags: modification time present
  field.writeUInt32LE(seconds, 5);
  return field;
}

function checkPath(path: string): void {
  const bad =
    path.length === 0 ||
    Buffer.byteLength(path, 'utf8') > 0xffff ||
    path.startsWith('/') ||
    path.includes('\\') ||
    path.includes('\0') ||
    path.split('/').some((part) => part === '' || part === '.' || part === '..');
  // The paths come from our own package builder; a bad one is a bug, not user input.
  if (bad) throw new TypeError(`zip entry path "${path.slice(0, 100)}" is not a clean relative path`);
}

/** Writes a ZIP archive of `entries` in the given order. */
export function writeZip(entries: readonly ZipEntry[]): Buffer {
  if (entries.length > MAX_ENTRIES) throw new RangeError(`a zip holds at most ${MAX_ENTRIES} entries without ZIP64`);
  const seen = new Set<string>();
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;

  for (const entry of entries) {
    checkPath(entry.path);
    if (seen.has(entry.path)) throw new TypeError(`zip entry "${entry.path.slice(0, 100)}" appears twice`);
    seen.add(entry.path);

    const name = Buffer.from(entry.path, 'utf8');
    const crc = crc32(entry.bytes);
    const deflated = deflateRawSync(entry.bytes, { level: 6 });
    // Already-compressed content (JPEG, PDF) can grow when deflated; store it as it is then.
    const useDeflate = deflated.length < entry.bytes.length;
    const data = useDeflate ? deflated : entry.bytes;
    const method = useDeflate ? METHOD_DEFLATE : METHOD_STORE;
    const { time, date } = dosDateTime(entry.modifiedAt);
    const extra = extendedTimestamp(entry.modifiedAt);
    if (offset > MAX_OFFSET || entry.bytes.length > MAX_OFFSET) throw new RangeError('the archive is too large for a zip without ZIP64');

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(FLAG_UTF8, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(entry.bytes.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);

    const header = Buffer.alloc(46);
    header.writeUInt32LE(CENTRAL_HEADER, 0);
    header.writeUInt16LE(VERSION_NEEDED, 4); // made by: MS-DOS attributes (none set)
    header.writeUInt16LE(VERSION_NEEDED, 6);
    header.writeUInt16LE(FLAG_UTF8, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt16LE(time, 12);
    header.writeUInt16LE(date, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(entry.bytes.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt16LE(0, 32); // comment length
    header.writeUInt16LE(0, 34); // disk number
    header.writeUInt16LE(0, 36); // internal attributes
    header.writeUInt32LE(0, 38); // external attributes
    header.writeUInt32LE(offset, 42);

    chunks.push(local, name, extra, data);
    central.push(header, name, extra);
    offset += local.length + name.length + extra.length + data.length;
  }

  const centralBytes = Buffer.concat(central);
  if (offset > MAX_OFFSET) throw new RangeError('the archive is too large for a zip without ZIP64');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...chunks, centralBytes, end]);
}
