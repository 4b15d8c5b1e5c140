// The personal-information ledger as auditors receive it, and the annual-review rule.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { parse } from 'yaml';
import { assembleDataMap } from '../../src/domains/inventory/datamap-assemble.ts';
import { addMonths, isReviewOverdue, reviewDueOn, shouldRemindOfReview } from '../../src/domains/inventory/datamap.rules.ts';
import { buildLedgerRows, formatPeriod, LEDGER_COLUMNS, ledgerCsv, ledgerXlsx } from '../../src/domains/inventory/ledger.ts';

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/datamap');
const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yml')).sort();
const inputs = files.map((f) => ({ file: f, text: readFileSync(path.join(EXAMPLES, f), 'utf8') }));

/** Personal (user.*) categories of every field in the example files, counted from the YAML itself. */
function expectedRowCount(): number {
  let n = 0;
  const visit = (fields: unknown): void => {
    for (const f of Array.isArray(fields) ? (fields as Array<Record<string, unknown>>) : []) {
      const cats = Array.isArray(f.data_categories) ? (f.data_categories as string[]) : [];
      n += cats.filter((c) => c === 'user' || c.startsWith('user.')).length;
      visit(f.fields);
    }
  };
  for (const input of inputs) {
    const doc = parse(input.text) as { systems: Array<{ datasets: Array<{ collections: Array<{ fields: unknown }> }> }> };
    for (const s of doc.systems) for (const d of s.datasets) for (const c of d.collections) visit(c.fields);
  }
  return n;
}

/** Parses a CSV with quoted fields (RFC 4180) into rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

/** Reads the files of a ZIP archive (enough of the format for what our writer produces). */
function unzip(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    out.set(name, inflateRawSync(buf.subarray(dataStart, dataStart + size)).toString('utf8'));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

describe('personal-data ledger', () => {
  const map = assembleDataMap(inputs, null).map;
  const rows = buildLedgerRows(map);

  test('the CSV starts with a BOM and two header rows, Japanese then English, and has one row per field and category', () => {
    const csv = ledgerCsv(rows);
    assert.ok(csv.startsWith('\uFEFF'), 'UTF-8 BOM so Excel reads the Japanese');
    const table = parseCsv(csv.slice(1));
    assert.deepEqual(table[0]?.slice(0, 14), [
      'システム',
      'データセット',
      '保管単位（表・ファイル）',
      '個人情報の項目',
      '項目の説明',
      'データ区分',
      '利用目的',
      '保管場所',
      '保管方法',
      'アクセス権を有する者',
      '利用期限',
      '保管期限',
      '保管期限の根拠',
      '要配慮個人情報',
    ]);
    assert.deepEqual(table[1], LEDGER_COLUMNS.map((c) => c.en));
    assert.ok(table[1]?.includes('Third-party provision') && table[1].includes('Outsourcing') && table[1].includes('Record count') && table[1].includes('How acquired'));
    assert.equal(table.length - 2, expectedRowCount());
    assert.ok(table.every((r) => r.length === LEDGER_COLUMNS.length));
  });

  test('a row says what an auditor asks: purpose, place, access, retention, sensitivity, outsourcing, count', () => {
    const table = parseCsv(ledgerCsv(rows).slice(1));
    const header = table[1] ?? [];
    const col = (name: string) => header.indexOf(name);
    const allergy = table.find((r) => r[col('Item of personal information')] === 'allergy_note');
    assert.ok(allergy);
    assert.equal(allergy[col('Data category')], '病歴（user.special_care.medical_history）');
    assert.equal(allergy[col('Special care-required')], '該当');
    assert.equal(allergy[col('Purposes of use')], 'product_safety');
    assert.equal(allergy[col('Storage place')], 'JP 東京リージョン 国内クラウド事業者のマネージドPostgreSQL');
    assert.equal(allergy[col('Who has access')], 'カスタマーサポート課、受注管理課、情報システム課（保守）');
    assert.equal(allergy[col('Outsourcing')], 'みなと決済サービス株式会社（JP）');
    assert.equal(allergy[col('Record count')], '52000');
    const ordered = table.find((r) => r[col('Item of personal information')] === 'ordered_at');
    assert.equal(ordered?.[col('Retention period')], '7年（事業年度の確定申告期限の翌日から）');
    assert.match(ordered?.[col('Legal hold')] ?? '', /会計帳簿/);
    const card = table.find((r) => r[col('Item of personal information')] === 'card_token');
    assert.equal(card?.[col('Other sensitivity')], '金融情報');
    assert.equal(card?.[col('Erasure method')], '行ごと削除');
    const paper = table.find((r) => r[col('Collection')] === 'catalog_applications');
    assert.equal(paper?.[col('How acquired')], '本人から直接書面で（郵送）');
    assert.match(paper?.[col('Storage method')] ?? '', /紙媒体/);
    // Operational columns (system.*) are not personal data and have no row.
    assert.ok(!table.some((r) => r[col('Item of personal information')] === 'created_at'));
  });

  test('purposes are named as the purposes registry names them, beside their code', () => {
    const titled = buildLedgerRows(map, { purposeTitles: new Map([['product_safety', '商品の安全確保']]) });
    assert.equal(titled.find((r) => r.item === 'allergy_note')?.purposes, '商品の安全確保（product_safety）');
    assert.equal(titled.find((r) => r.item === 'phone' && r.collection === 'customers')?.purposes, 'order_fulfilment、customer_support');
  });

  test('cells are quoted where needed and a formula-looking value stays text', () => {
    const csv = ledgerCsv([{ ...(rows[0] ?? buildLedgerRows(map)[0]), description: 'a, "b"\nc', purposes: '=HYPERLINK("x")' } as (typeof rows)[number]]);
    const table = parseCsv(csv.slice(1));
    const header = table[1] ?? [];
    assert.equal(table[2]?.[header.indexOf('Description')], 'a, "b"\nc');
    assert.equal(table[2]?.[header.indexOf('Purposes of use')], '\'=HYPERLINK("x")');
  });

  test('the Excel workbook holds the same rows under the same two header rows', () => {
    const parts = unzip(ledgerXlsx(rows));
    assert.ok(parts.has('[Content_Types].xml') && parts.has('xl/workbook.xml') && parts.has('xl/styles.xml'));
    assert.match(parts.get('xl/workbook.xml') ?? '', /<sheet name="個人情報管理台帳"/);
    const sheet = parts.get('xl/worksheets/sheet1.xml') ?? '';
    assert.equal((sheet.match(/<row /g) ?? []).length, rows.length + 2);
    assert.match(sheet, /<c r="A1" s="1" t="inlineStr"><is><t xml:space="preserve">システム<\/t><\/is><\/c>/);
    assert.match(sheet, /<c r="A2" s="1" t="inlineStr"><is><t xml:space="preserve">System<\/t>/);
    assert.match(sheet, /<pane ySplit="2"/);
    assert.match(sheet, /<v>52000<\/v>/);
  });

  test('retention periods read as Japanese', () => {
    assert.equal(formatPeriod('P7Y'), '7年');
    assert.equal(formatPeriod('P1Y6M'), '1年6か月');
    assert.equal(formatPeriod('P30D'), '30日');
    assert.equal(formatPeriod('P0D'), '直ちに');
    assert.equal(formatPeriod('indefinite'), '無期限');
  });
});

describe('annual review of the ledger', () => {
  const reviewed = (lastReviewedOn: string, intervalMonths = 12) => ({ review: { lastReviewedOn, reviewer: 'stf_x', intervalMonths } });

  test('a review is due one interval after the last one; it becomes overdue the next day in Japan', () => {
    const s = reviewed('2025-11-27');
    assert.equal(reviewDueOn(s), '2026-11-27');
    // 2026-11-27 23:59 in Japan is 14:59 UTC: still on time.
    assert.equal(isReviewOverdue(s, new Date('2026-11-27T14:59:59Z')), false);
    // Midnight of the 28th in Japan.
    assert.equal(isReviewOverdue(s, new Date('2026-11-27T15:00:00Z')), true);
    assert.equal(isReviewOverdue(reviewed('2026-05-01', 6), new Date('2026-11-02T00:00:00Z')), true);
  });

  test('a system that was never reviewed is overdue', () => {
    assert.equal(isReviewOverdue({}, new Date('2026-01-01T00:00:00Z')), true);
    assert.equal(reviewDueOn({}), null);
  });

  test('months are calendar months; the end of a month stays within the shorter month', () => {
    assert.equal(addMonths('2024-01-31', 1), '2024-02-29');
    assert.equal(addMonths('2025-01-31', 1), '2025-02-28');
    assert.equal(addMonths('2025-12-15', 12), '2026-12-15');
  });

  test('owners are reminded when overdue, then not again for thirty days', () => {
    const s = reviewed('2025-01-10');
    const now = new Date('2026-03-01T00:00:00Z');
    assert.equal(shouldRemindOfReview(s, null, now), true);
    assert.equal(shouldRemindOfReview(s, new Date('2026-02-20T00:00:00Z'), now), false);
    assert.equal(shouldRemindOfReview(s, new Date('2026-01-30T00:00:00Z'), now), true);
    assert.equal(shouldRemindOfReview(reviewed('2026-01-10'), null, now), false);
  });
});
