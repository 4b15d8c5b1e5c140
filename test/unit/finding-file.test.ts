// Exports staff attach as findings: a CSV becomes rows as a spreadsheet shows them, and files
// that are not UTF-8 text are refused with a reason staff can act on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeUtf8Text, parseCsvRows, parseJsonRows, textFileKind } from '../../src/domains/requests/finding-file.rules.ts';

const limits = { maxRows: 3, maxColumns: 4 };
const csv = (text: string) => parseCsvRows(Buffer.from(text, 'utf8'), limits);

describe('CSV exports', () => {
  test('a header row names the fields; quoted fields keep commas, quotes and line breaks; the BOM and blank lines go', () => {
    const parsed = csv('\ufeffid,name,memo\r\n1,"山田, 太郎","say ""hi""\nnext line"\r\n2,佐藤,\r\n\r\n');
    assert.deepEqual(parsed, {
      ok: true,
      rows: [
        { id: '1', name: '山田, 太郎', memo: 'say "hi"\nnext line' },
        { id: '2', name: '佐藤', memo: '' },
      ],
    });
    assert.deepEqual(csv('a\n1'), { ok: true, rows: [{ a: '1' }] }, 'LF line ends and no final line break');
  });

  test('broken or oversized tables are refused with the reason', () => {
    const reason = (text: string) => {
      const p = csv(text);
      return p.ok ? 'ok' : p.refusal.reason;
    };
    assert.equal(reason(''), 'csv_empty');
    assert.equal(reason('a,b\n1\n'), 'csv_ragged');
    assert.equal(reason('a,a\n1,2\n'), 'csv_duplicate_header');
    assert.equal(reason('a,\n1,2\n'), 'csv_bad_header');
    assert.equal(reason('__proto__\n1\n'), 'csv_bad_header');
    assert.equal(reason('a,b,c,d,e\n1,2,3,4,5\n'), 'csv_too_many_columns');
    assert.equal(reason('a\n1\n2\n3\n4\n'), 'csv_too_many_rows');
    assert.equal(reason('a\n"open\n'), 'csv_malformed');
    assert.equal(reason('a\n"x"y\n'), 'csv_malformed');
  });

  test('Shift_JIS text is not guessed at, and binary content is not text', () => {
    const sjis = Buffer.from([0x69, 0x64, 0x0d, 0x0a, 0x8e, 0x52, 0x93, 0x63, 0x0d, 0x0a]); // "id\r\n山田\r\n"
    assert.deepEqual(decodeUtf8Text(sjis), { ok: false, reason: 'not_utf8' });
    const refused = parseCsvRows(sjis, limits);
    assert.ok(!refused.ok && refused.refusal.reason === 'csv_not_utf8' && /CSV UTF-8/.test(refused.refusal.message));
    const elf = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]);
    const binary = parseCsvRows(elf, limits);
    assert.ok(!binary.ok && binary.refusal.notText === true);
  });

  test('JSON exports are parsed (the records schema checks them), and the kind comes from the name', () => {
    assert.deepEqual(parseJsonRows(Buffer.from('[{"a":1}]')), { ok: true, value: [{ a: 1 }] });
    assert.equal(parseJsonRows(Buffer.from('[{"a":')).ok, false);
    assert.equal(textFileKind('Orders.CSV'), 'csv');
    assert.equal(textFileKind('export.json'), 'json');
    assert.equal(textFileKind('notes.txt'), null);
  });
});
