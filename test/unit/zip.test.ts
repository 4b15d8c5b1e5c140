// The package ZIP is checked by the system's own unzip (Info-ZIP), the way a person's computer
// would open it: integrity (CRC-32 of every entry), the exact bytes back, UTF-8 names and times.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeZip, type ZipEntry } from '../../src/domains/delivery/zip.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mdg-zip-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function save(name: string, zip: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, zip);
  return file;
}

const at = new Date('2026-11-28T06:30:10Z');

describe('writeZip', () => {
  const entries: ZipEntry[] = [
    { path: 'letter.pdf', bytes: randomBytes(50_000), modifiedAt: at },
    { path: 'data.json', bytes: Buffer.from(JSON.stringify({ rows: Array.from({ length: 500 }, (_, i) => ({ i, name: '山田 花子' })) })), modifiedAt: at },
    { path: 'csv/shop__orders.csv', bytes: Buffer.from('\ufeffid,name\r\n1,"a,b"\r\n', 'utf8'), modifiedAt: at },
    { path: 'files/手書きメモ.pdf', bytes: Buffer.from('%PDF-1.4 tiny'), modifiedAt: at },
    { path: 'empty.txt', bytes: Buffer.alloc(0), modifiedAt: at },
  ];

  test('unzip -t finds every entry intact and extracting gives back the exact bytes', () => {
    const file = save('package.zip', writeZip(entries));
    const tested = execFileSync('unzip', ['-t', file], { encoding: 'utf8' });
    assert.match(tested, /No errors detected/);
    for (const e of entries) assert.match(tested, new RegExp(`testing: ${e.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+OK`));

    const out = path.join(dir, 'out');
    execFileSync('unzip', ['-q', '-o', file, '-d', out]);
    for (const e of entries) assert.deepEqual(readFileSync(path.join(out, e.path)), e.bytes, e.path);
  });

  test('text is deflated and random bytes are stored, names are UTF-8, and times are right in and out of Japan', () => {
    const zip = writeZip(entries);
    const file = save('listing.zip', zip);
    // The zoneless DOS time of the first local header is Japan time: 15:30:10 on 2026-11-28.
    const dosTime = zip.readUInt16LE(10);
    const dosDate = zip.readUInt16LE(12);
    assert.deepEqual([dosTime >> 11, (dosTime >> 5) & 0x3f, (dosTime & 0x1f) * 2], [15, 30, 10]);
    assert.deepEqual([(dosDate >> 9) + 1980, (dosDate >> 5) & 0x0f, dosDate & 0x1f], [2026, 11, 28]);
    assert.equal(zip.readUInt16LE(6) & 0x0800, 0x0800, 'the UTF-8 name flag is set');
    const verbose = execFileSync('unzip', ['-v', file], { encoding: 'utf8' });
    const line = (name: string) => verbose.split('\n').find((l) => l.trimEnd().endsWith(name)) ?? '';
    assert.match(line('data.json'), /Defl:N/);
    assert.match(line('letter.pdf'), /Stored/);
    assert.match(verbose, /files\/手書きメモ\.pdf/);
    // 06:30 UTC is 15:30 in Japan; unzip prints the extended (UTC) timestamp in the local zone,
    // so compare with the machine's own rendering of the instant.
    const local = new Date(at.getTime());
    const hhmm = `${String(local.getHours()).padStart(2, '0')}:${String(local.getMinutes()).padStart(2, '0')}`;
    assert.match(line('data.json'), new RegExp(`2026-11-28 ${hhmm}|11-28-2026 ${hhmm}`));
  });

  test('an empty archive is still a valid zip', () => {
    const zip = writeZip([]);
    assert.equal(zip.length, 22);
    assert.equal(zip.readUInt32LE(0), 0x06054b50);
  });

  test('paths that could escape the folder, repeated paths and backslashes are refused', () => {
    const bytes = Buffer.from('x');
    for (const p of ['../evil', '/abs', 'a//b', 'a/./b', 'a\\b', '', 'dir/']) {
      assert.throws(() => writeZip([{ path: p, bytes, modifiedAt: at }]), /clean relative path/, p);
    }
    assert.throws(
      () => writeZip([{ path: 'a', bytes, modifiedAt: at }, { path: 'a', bytes, modifiedAt: at }]),
      /appears twice/,
    );
  });
});
