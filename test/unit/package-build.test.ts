// The disclosure package as the person receives it: CSV that Excel reads (BOM, RFC 4180
// quoting, a header that is the union of keys), a summary page that cannot be made to run
// anything, JSON with the exact values, and names that stay inside the folder.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildDisclosurePackage, columnsOf, safeSegment, toCsv, type DisclosurePackageInput } from '../../src/domains/delivery/package.build.ts';

const at = new Date('2026-11-28T06:00:00Z');

function input(over: Partial<DisclosurePackageInput> = {}): DisclosurePackageInput {
  return {
    language: 'ja',
    organizationName: '株式会社あおば生活舎',
    request: { reference: 'R-20261120-ABCDEF', type: 'disclosure', receivedAt: new Date('2026-11-20T01:00:00Z') },
    decision: { outcome: 'full', withheld: [] },
    findings: [],
    letterPdf: Buffer.from('%PDF-1.4 letter'),
    generatedAt: at,
    ...over,
  };
}

function file(files: { path: string; bytes: Buffer }[], path: string): Buffer {
  const f = files.find((x) => x.path === path);
  assert.ok(f, `${path} is in the package (have: ${files.map((x) => x.path).join(', ')})`);
  return f.bytes;
}

/** A small RFC 4180 reader, so the test checks what a CSV reader gets back, not our own text. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('CSV of a collection', () => {
  test('starts with a UTF-8 BOM, ends lines with CRLF and quotes commas, quotes and line breaks', () => {
    const csv = toCsv([
      { id: 1, name: '山田, 花子', note: 'says "hello"' },
      { id: 2, name: 'line\nbreak', note: 'cr\r\nlf' },
    ]);
    assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = csv.toString('utf8').slice(1);
    assert.equal(text, 'id,name,note\r\n1,"山田, 花子","says ""hello"""\r\n2,"line\nbreak","cr\r\nlf"\r\n');
    assert.deepEqual(parseCsv(text), [
      ['id', 'name', 'note'],
      ['1', '山田, 花子', 'says "hello"'],
      ['2', 'line\nbreak', 'cr\r\nlf'],
    ]);
  });

  test('the header is the union of keys in first-seen order, and missing values are empty', () => {
    const rows = [{ a: 1, b: 2 }, { c: 3, a: 4 }, { d: null }];
    assert.deepEqual(columnsOf(rows), ['a', 'b', 'c', 'd']);
    assert.deepEqual(parseCsv(toCsv(rows).toString('utf8').slice(1)), [
      ['a', 'b', 'c', 'd'],
      ['1', '2', '', ''],
      ['4', '', '3', ''],
      ['', '', '', ''],
    ]);
  });

  test('a value that looks like a formula becomes text; numbers, booleans and nested values are written plainly', () => {
    const rows = [{ f: '=HYPERLINK("http://x","y")', minus: '-1+2', n: -5, ok: true, nested: { k: [1, 2] }, at: new Date('2026-01-02T03:04:05Z') }];
    const [, line] = parseCsv(toCsv(rows).toString('utf8').slice(1));
    assert.deepEqual(line, ["'=HYPERLINK(\"http://x\",\"y\")", "'-1+2", '-5', 'true', '{"k":[1,2]}', '2026-01-02T03:04:05.000Z']);
  });
});

describe('the package', () => {
  const findings = [
    { systemName: 'shop', collection: 'customers', label: '会員情報', rows: [{ id: 'c1', name: '山田 花子', email: 'hanako@example.test' }] },
    { systemName: 'shop', collection: 'orders', label: null, rows: [{ id: 'o1', total: 1200 }, { id: 'o2', total: 300, coupon: 'X' }] },
    // A second finding for the same collection adds its rows to the same key.
    { systemName: 'shop', collection: 'orders', label: '注文履歴', rows: [{ id: 'o3', total: 50 }] },
    { systemName: 'paper-archive', collection: 'forms', label: '申込書', rows: [], file: { fileName: '申込書.pdf', contentType: 'application/pdf', bytes: Buffer.from('%PDF-1.4 form') } },
  ];

  test('holds the letter, the summary, data.json keyed system:collection, one CSV per collection with rows, and the files', () => {
    const { files } = buildDisclosurePackage(input({ findings }));
    assert.deepEqual(
      files.map((f) => f.path),
      ['letter.pdf', 'summary.html', 'data.json', 'csv/shop__customers.csv', 'csv/shop__orders.csv', 'files/申込書.pdf'],
    );
    assert.deepEqual(file(files, 'letter.pdf'), Buffer.from('%PDF-1.4 letter'));
    assert.deepEqual(file(files, 'files/申込書.pdf'), Buffer.from('%PDF-1.4 form'));

    const json = JSON.parse(file(files, 'data.json').toString('utf8')) as {
      metadata: { reference: string; outcome: string; collections: { key: string; rows: number; csv: string | null; files: string[] }[] };
      data: Record<string, object[]>;
    };
    assert.deepEqual(Object.keys(json.data), ['shop:customers', 'shop:orders', 'paper-archive:forms']);
    assert.deepEqual(json.data['shop:orders'], [{ id: 'o1', total: 1200 }, { id: 'o2', total: 300, coupon: 'X' }, { id: 'o3', total: 50 }]);
    assert.deepEqual(json.data['paper-archive:forms'], []);
    assert.equal(json.metadata.reference, 'R-20261120-ABCDEF');
    assert.deepEqual(
      json.metadata.collections.map((c) => [c.key, c.rows, c.csv, c.files]),
      [
        ['shop:customers', 1, 'csv/shop__customers.csv', []],
        ['shop:orders', 3, 'csv/shop__orders.csv', []],
        ['paper-archive:forms', 0, null, ['files/申込書.pdf']],
      ],
    );
    assert.deepEqual(parseCsv(file(files, 'csv/shop__orders.csv').toString('utf8').slice(1))[0], ['id', 'total', 'coupon']);
  });

  test('the summary is in the request language, names the outcome and each withheld part with its reason and legal ground', () => {
    const withheld = [{ part: '社内評価メモ', reason: 'business_impediment', explanation: '審査基準が明らかになるため' }];
    const ja = file(buildDisclosurePackage(input({ findings, decision: { outcome: 'partial', withheld } })).files, 'summary.html').toString('utf8');
    assert.match(ja, /^<!doctype html>\n<html lang="ja">/);
    assert.match(ja, /<title>株式会社あおば生活舎\u3000開示のご請求に対するご回答<\/title>/);
    assert.match(ja, /<dd>一部開示<\/dd>/);
    assert.match(ja, /<dd>2026年11月20日<\/dd>/);
    assert.match(ja, /社内評価メモ<\/td><td>8\. 当社の業務の適正な実施に著しい支障を及ぼすおそれがある場合<\/td><td>個人情報保護法第33条第2項第2号<\/td><td>審査基準が明らかになるため/);
    assert.match(ja, /<h3>注文履歴（shop \/ orders）<\/h3>\n<p>3件<\/p>/);
    assert.match(ja, /<td>山田 花子<\/td>/);

    const en = file(buildDisclosurePackage(input({ language: 'en', organizationName: 'Aoba Living', findings, decision: { outcome: 'partial', withheld } })).files, 'summary.html').toString('utf8');
    assert.match(en, /<html lang="en">/);
    assert.match(en, /<title>Aoba Living: our answer to your request for disclosure<\/title>/);
    assert.match(en, /<dd>Partial disclosure<\/dd>/);
    assert.match(en, /<dd>20 November 2026<\/dd>/);
    assert.match(en, /8\. Disclosure could seriously hinder the proper conduct of our business<\/td><td>APPI Art\. 33\(2\)\(ii\)/);
    assert.match(en, /<p>3 records<\/p>/);
  });

  test('every value on the summary page is HTML-escaped, and the page forbids scripts', () => {
    const evil = '<script>alert("x")</script>';
    const html = file(
      buildDisclosurePackage(
        input({
          organizationName: 'A&B <Co>',
          findings: [{ systemName: '<sys>', collection: 'c"o', label: `<b>${evil}</b>`, rows: [{ [`<k>${evil}`]: evil, ok: "it's" }] }],
          decision: { outcome: 'partial', withheld: [{ part: evil, reason: 'harm_to_interests', explanation: '<img src=x onerror=alert(1)>' }] },
        }),
      ).files,
      'summary.html',
    ).toString('utf8');
    assert.doesNotMatch(html, /<script|<img|<b>|<sys>|<k>/);
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
    assert.match(html, /A&amp;B &lt;Co&gt;/);
    assert.match(html, /it&#39;s/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/);
  });

  test('names from findings cannot leave their folder and never collide', () => {
    assert.equal(safeSegment('../../etc/passwd'), '_.._etc_passwd');
    assert.equal(safeSegment('..'), 'unnamed');
    assert.equal(safeSegment('a\\b:c*?"<>|'), 'a_b_c______');
    assert.equal(safeSegment('注文\u0000履歴'), '注文_履歴');
    const same = { contentType: 'application/pdf', bytes: Buffer.from('x') };
    const { files } = buildDisclosurePackage(
      input({
        findings: [
          { systemName: '../x', collection: 'y', label: null, rows: [{ a: 1 }], file: { ...same, fileName: 'scan.pdf' } },
          { systemName: 'other', collection: 'z', label: null, rows: [], file: { ...same, fileName: 'scan.pdf' } },
          { systemName: 'other', collection: 'w', label: null, rows: [], file: { ...same, fileName: '../../letter.pdf' } },
        ],
      }),
    );
    const paths = files.map((f) => f.path);
    assert.equal(new Set(paths).size, paths.length);
    assert.ok(paths.includes('csv/_x__y.csv'));
    assert.ok(paths.includes('files/scan.pdf') && paths.includes('files/scan (2).pdf'));
    assert.ok(paths.includes('files/_.._letter.pdf'));
    for (const p of paths) assert.ok(!p.split('/').includes('..'), p);
  });

  test('a large collection shows the first 1,000 rows on the page and all of them in CSV and JSON', () => {
    const rows = Array.from({ length: 1500 }, (_, i) => ({ n: i }));
    const { files } = buildDisclosurePackage(input({ language: 'en', findings: [{ systemName: 's', collection: 'c', label: null, rows }] }));
    const html = file(files, 'summary.html').toString('utf8');
    assert.match(html, /<td>999<\/td>/);
    assert.doesNotMatch(html, /<td>1000<\/td>/);
    assert.match(html, /first 1,000 records only; csv\/s__c\.csv holds all of them/);
    assert.equal(parseCsv(file(files, 'csv/s__c.csv').toString('utf8').slice(1)).length, 1501);
    assert.equal((JSON.parse(file(files, 'data.json').toString('utf8')) as { data: Record<string, unknown[]> }).data['s:c']?.length, 1500);
  });
});
