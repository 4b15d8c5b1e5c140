// The disclosure package a person downloads: the signed letter, every row found about them as
// JSON (exact values, one key per `system:collection`), the same rows as one CSV per collection
// for a spreadsheet, a summary page they can read in a browser in the request's language, and
// any files staff attached. Pure: the caller brings the rows and the letter; this module only
// lays them out. Names in the archive are cleaned so no finding can write outside the folder.
import type { Language } from '../../lib/errors.ts';
import type { WithheldPart } from '../../db/schema-requests.ts';
import { escapeHtml } from '../mail/mail.render.ts';
import type { LetterTable } from './letter.content.ts';
import { REQUEST_TYPE_LABELS, type RequestType } from '../organization/request-settings.ts';
import type { Localized } from '../policies/localized.ts';
import { WITHHOLDING_REASONS, type DecisionOutcome } from '../requests/request.ts';

export interface PackageFinding {
  systemName: string;
  collection: string;
  label: string | null;
  rows: readonly object[];
  file?: { fileName: string; contentType: string; bytes: Buffer };
}

export interface DisclosurePackageInput {
  language: Language;
  organizationName: string;
  request: { reference: string; type: RequestType; receivedAt: Date };
  decision: { outcome: DecisionOutcome; withheld: readonly WithheldPart[] };
  findings: readonly PackageFinding[];
  letterPdf: Buffer;
  /** When the package was made (the injected clock). */
  generatedAt: Date;
}

export interface PackageFile {
  path: string;
  contentType: string;
  bytes: Buffer;
}

export const PACKAGE_FORMAT = 'madoguchi.disclosure/1';
/** The summary page shows this many rows per collection; the CSV and JSON always hold all. */
export const SUMMARY_ROWS_PER_COLLECTION = 1000;

const OUTCOME_LABELS: Record<DecisionOutcome, Localized> = {
  full: { ja: '全部開示', en: 'Full disclosure' },
  partial: { ja: '一部開示', en: 'Partial disclosure' },
  none: { ja: '不開示', en: 'No disclosure' },
  done: { ja: 'ご請求のとおり対応しました', en: 'Done as requested' },
  not_done: { ja: '対応いたしかねます', en: 'Not done' },
  alternative: { ja: '代替措置により対応しました', en: 'An alternative measure was taken' },
};

// ---------------------------------------------------------------------------------------
// Grouping

interface Collection {
  key: string;
  systemName: string;
  collection: string;
  label: string | null;
  rows: object[];
  files: { path: string; fileName: string; contentType: string; bytes: Buffer }[];
  csvPath: string | null;
}

/** Keeps a name readable (Japanese included) but safe as one path segment on every system. */
export function safeSegment(name: string): string {
  const cleaned = name
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}/\\:*?"<>|]/gu, '_')
    .replace(/^[\s.]+|[\s.]+$/gu, '')
    .slice(0, 80);
  return cleaned === '' ? 'unnamed' : cleaned;
}

function uniquePath(wanted: string, taken: Set<string>): string {
  let candidate = wanted;
  const dot = wanted.lastIndexOf('.');
  const slash = wanted.lastIndexOf('/');
  const [stem, ext] = dot > slash + 1 ? [wanted.slice(0, dot), wanted.slice(dot)] : [wanted, ''];
  for (let n = 2; taken.has(candidate); n += 1) candidate = `${stem} (${n})${ext}`;
  taken.add(candidate);
  return candidate;
}

function groupFindings(findings: readonly PackageFinding[], taken: Set<string>): Collection[] {
  const byKey = new Map<string, Collection>();
  for (const f of findings) {
    const key = `${f.systemName}:${f.collection}`;
    let c = byKey.get(key);
    if (!c) {
      c = { key, systemName: f.systemName, collection: f.collection, label: f.label, rows: [], files: [], csvPath: null };
      byKey.set(key, c);
    }
    c.label ??= f.label;
    for (const row of f.rows) c.rows.push(row);
    if (f.file) {
      const path = uniquePath(`files/${safeSegment(f.file.fileName)}`, taken);
      c.files.push({ path, fileName: f.file.fileName, contentType: f.file.contentType, bytes: f.file.bytes });
    }
  }
  for (const c of byKey.values()) {
    if (c.rows.length > 0) c.csvPath = uniquePath(`csv/${safeSegment(c.systemName)}__${safeSegment(c.collection)}.csv`, taken);
  }
  return [...byKey.values()];
}

// ---------------------------------------------------------------------------------------
// CSV (RFC 4180)

/** Every key that appears in any row, in the order it first appears. */
export function columnsOf(rows: readonly object[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') {
    // A spreadsheet runs a cell that starts like a formula; the apostrophe makes it text. The
    // exact value stays in data.json.
    return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value, jsonReplacer);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 with CRLF line ends, and a BOM so Excel reads the UTF-8 (Japanese) correctly. */
export function toCsv(rows: readonly object[]): Buffer {
  const columns = columnsOf(rows);
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    lines.push(columns.map((c) => csvField(cellText(Object.hasOwn(record, c) ? record[c] : undefined))).join(','));
  }
  return Buffer.from(`\ufeff${lines.join('\r\n')}\r\n`, 'utf8');
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

// ---------------------------------------------------------------------------------------
// The summary page

function formatDate(at: Date, language: Language): string {
  return new Intl.DateTimeFormat(language === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).format(at);
}

function reasonOf(code: string): { number: number; label: Localized; legalGround: Localized } | null {
  return Object.hasOwn(WITHHOLDING_REASONS, code) ? WITHHOLDING_REASONS[code as keyof typeof WITHHOLDING_REASONS] : null;
}

const e = escapeHtml;

const TEXT = {
  ja: {
    title: (org: string, type: string) => `${org}\u3000${type}のご請求に対するご回答`,
    reference: '受付番号',
    type: '請求の種類',
    received: '受付日',
    generated: '作成日',
    outcome: '結果',
    withheld: '開示しなかった部分とその理由',
    part: '対象',
    reason: '理由',
    ground: '根拠',
    explanation: '説明',
    contents: 'このファイルに含まれるもの',
    letter: 'ご回答の書面（PDF）',
    json: 'すべてのデータ（JSON形式、値はそのまま）',
    csv: (label: string) => `${label}（CSV形式、Excelなどの表計算ソフトで開けます）`,
    file: (label: string) => `${label}の添付ファイル`,
    data: '当社が保有するデータ',
    noData: '該当するデータはありませんでした。',
    rows: (n: number) => `${n.toLocaleString('ja-JP')}件`,
    truncated: (n: number, csv: string) => `この画面には最初の${n.toLocaleString('ja-JP')}件のみを表示しています。すべての件数は ${csv} でご確認ください。`,
    attached: '添付ファイル',
    csvNote:
      'CSVファイルでは、「=」「+」「-」「@」で始まる値の先頭に「\'」を付けています。表計算ソフトが数式として実行しないようにするためです。正確な値は data.json に記録されています。',
    footer: (org: string) => `このページは${org}がご請求に基づいて作成したものです。内容についてのお問い合わせは、ご回答の書面に記載の窓口までご連絡ください。`,
  },
  en: {
    title: (org: string, type: string) => `${org}: our answer to your request for ${type}`,
    reference: 'Reference',
    type: 'Request',
    received: 'Received on',
    generated: 'Prepared on',
    outcome: 'Outcome',
    withheld: 'What was not disclosed, and why',
    part: 'Part',
    reason: 'Reason',
    ground: 'Legal ground',
    explanation: 'Explanation',
    contents: 'What this download contains',
    letter: 'Our answer as a letter (PDF)',
    json: 'All the data (JSON, values exactly as stored)',
    csv: (label: string) => `${label} (CSV, opens in Excel and other spreadsheets)`,
    file: (label: string) => `A file attached to ${label}`,
    data: 'The data we hold',
    noData: 'No data was found.',
    rows: (n: number) => `${n.toLocaleString('en-GB')} ${n === 1 ? 'record' : 'records'}`,
    truncated: (n: number, csv: string) => `This page shows the first ${n.toLocaleString('en-GB')} records only; ${csv} holds all of them.`,
    attached: 'Attached files',
    csvNote:
      'In the CSV files, a value that begins with =, +, - or @ starts with an apostrophe (\') so that spreadsheet programs do not run it as a formula. data.json holds the exact values.',
    footer: (org: string) => `${org} prepared this page in answer to your request. For questions about it, contact the office named in the letter.`,
  },
} as const;

function collectionTitle(c: Collection): string {
  return c.label ? `${c.label}（${c.systemName} / ${c.collection}）` : `${c.systemName} / ${c.collection}`;
}

function collectionTitleEn(c: Collection): string {
  return c.label ? `${c.label} (${c.systemName} / ${c.collection})` : `${c.systemName} / ${c.collection}`;
}

function rowsTable(c: Collection, t: (typeof TEXT)[Language]): string {
  const columns = columnsOf(c.rows);
  const shown = c.rows.slice(0, SUMMARY_ROWS_PER_COLLECTION);
  const head = `<tr>${columns.map((col) => `<th scope="col">${e(col)}</th>`).join('')}</tr>`;
  const body = shown
    .map((row) => {
      const record = row as Record<string, unknown>;
      return `<tr>${columns.map((col) => `<td>${e(displayValue(Object.hasOwn(record, col) ? record[col] : undefined))}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const note = c.rows.length > shown.length && c.csvPath ? `<p class="note">${e(t.truncated(shown.length, c.csvPath))}</p>` : '';
  return `<div class="scroll"><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody></table></div>${note}`;
}

function displayValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value, jsonReplacer);
}

const STYLE = `
body{font-family:"Hiragino Sans","Noto Sans JP","Yu Gothic",Meiryo,system-ui,sans-serif;color:#222;margin:0;background:#f6f6f4;line-height:1.7}
main{max-width:1100px;margin:0 auto;padding:24px;background:#fff}
h1{font-size:1.4em;margin:0 0 16px}h2{font-size:1.15em;margin:32px 0 8px;border-bottom:2px solid #ddd}h3{font-size:1em;margin:24px 0 4px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}dt{font-weight:bold}dd{margin:0}
table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;white-space:pre-wrap}
th{background:#eee}.scroll{overflow-x:auto}.note{color:#555;font-size:.9em}
@media print{body{background:#fff}main{padding:0}}
`.trim();

function renderSummaryHtml(input: DisclosurePackageInput, collections: readonly Collection[]): string {
  const lang = input.language;
  const t = TEXT[lang];
  const typeLabel = REQUEST_TYPE_LABELS[input.request.type][lang];
  const title = t.title(input.organizationName, typeLabel);
  const nameOf = lang === 'ja' ? collectionTitle : collectionTitleEn;
  const parts: string[] = [];

  parts.push(
    `<h1>${e(title)}</h1>`,
    '<dl>',
    `<dt>${e(t.reference)}</dt><dd>${e(input.request.reference)}</dd>`,
    `<dt>${e(t.type)}</dt><dd>${e(typeLabel)}</dd>`,
    `<dt>${e(t.received)}</dt><dd>${e(formatDate(input.request.receivedAt, lang))}</dd>`,
    `<dt>${e(t.generated)}</dt><dd>${e(formatDate(input.generatedAt, lang))}</dd>`,
    `<dt>${e(t.outcome)}</dt><dd>${e(OUTCOME_LABELS[input.decision.outcome][lang])}</dd>`,
    '</dl>',
  );

  if (input.decision.withheld.length > 0) {
    parts.push(
      `<h2>${e(t.withheld)}</h2>`,
      `<div class="scroll"><table><thead><tr><th scope="col">${e(t.part)}</th><th scope="col">${e(t.reason)}</th><th scope="col">${e(t.ground)}</th><th scope="col">${e(t.explanation)}</th></tr></thead><tbody>`,
    );
    for (const w of input.decision.withheld) {
      const reason = reasonOf(w.reason);
      const reasonText = reason ? `${reason.number}. ${reason.label[lang]}` : w.reason;
      parts.push(`<tr><td>${e(w.part)}</td><td>${e(reasonText)}</td><td>${e(reason ? reason.legalGround[lang] : '')}</td><td>${e(w.explanation)}</td></tr>`);
    }
    parts.push('</tbody></table></div>');
  }

  parts.push(`<h2>${e(t.contents)}</h2>`, '<ul>', `<li><code>letter.pdf</code> — ${e(t.letter)}</li>`, `<li><code>data.json</code> — ${e(t.json)}</li>`);
  for (const c of collections) {
    if (c.csvPath) parts.push(`<li><code>${e(c.csvPath)}</code> — ${e(t.csv(nameOf(c)))}</li>`);
    for (const f of c.files) parts.push(`<li><code>${e(f.path)}</code> — ${e(t.file(nameOf(c)))}</li>`);
  }
  parts.push('</ul>');
  if (collections.some((c) => c.csvPath)) parts.push(`<p class="note">${e(t.csvNote)}</p>`);

  parts.push(`<h2>${e(t.data)}</h2>`);
  if (collections.every((c) => c.rows.length === 0 && c.files.length === 0)) parts.push(`<p>${e(t.noData)}</p>`);
  for (const c of collections) {
    parts.push(`<h3>${e(nameOf(c))}</h3>`, `<p>${e(t.rows(c.rows.length))}</p>`);
    if (c.rows.length > 0) parts.push(rowsTable(c, t));
    if (c.files.length > 0) {
      parts.push(`<p>${e(t.attached)}:</p><ul>`);
      for (const f of c.files) parts.push(`<li><code>${e(f.path)}</code></li>`);
      parts.push('</ul>');
    }
  }
  parts.push(`<p class="note">${e(t.footer(input.organizationName))}</p>`);

  return (
    `<!doctype html>\n<html lang="${lang}">\n<head>\n<meta charset="utf-8">\n` +
    // Opened from a disk, the page must not load or run anything: it is data only.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>${e(title)}</title>\n<style>${STYLE}</style>\n</head>\n` +
    `<body><main>\n${parts.join('\n')}\n</main></body>\n</html>\n`
  );
}

// ---------------------------------------------------------------------------------------

/** Lays out the package; the caller zips the files. */
export function buildDisclosurePackage(input: DisclosurePackageInput): { files: PackageFile[] } {
  const taken = new Set<string>(['letter.pdf', 'data.json', 'summary.html']);
  const collections = groupFindings(input.findings, taken);

  const data: Record<string, object[]> = {};
  for (const c of collections) data[c.key] = c.rows;
  const json = {
    metadata: {
      format: PACKAGE_FORMAT,
      organization: input.organizationName,
      reference: input.request.reference,
      requestType: input.request.type,
      receivedAt: input.request.receivedAt.toISOString(),
      generatedAt: input.generatedAt.toISOString(),
      language: input.language,
      outcome: input.decision.outcome,
      withheld: input.decision.withheld.map((w) => {
        const reason = reasonOf(w.reason);
        return { part: w.part, reason: w.reason, reasonNumber: reason?.number ?? null, legalGround: reason?.legalGround[input.language] ?? null, explanation: w.explanation };
      }),
      collections: collections.map((c) => ({
        key: c.key,
        system: c.systemName,
        collection: c.collection,
        label: c.label,
        rows: c.rows.length,
        csv: c.csvPath,
        files: c.files.map((f) => f.path),
      })),
    },
    data,
  };

  const files: PackageFile[] = [
    { path: 'letter.pdf', contentType: 'application/pdf', bytes: input.letterPdf },
    { path: 'summary.html', contentType: 'text/html; charset=utf-8', bytes: Buffer.from(renderSummaryHtml(input, collections), 'utf8') },
    { path: 'data.json', contentType: 'application/json', bytes: Buffer.from(`${JSON.stringify(json, jsonReplacer, 2)}\n`, 'utf8') },
  ];
  for (const c of collections) {
    if (c.csvPath) files.push({ path: c.csvPath, contentType: 'text/csv; charset=utf-8', bytes: toCsv(c.rows) });
  }
  for (const c of collections) for (const f of c.files) files.push({ path: f.path, contentType: f.contentType, bytes: f.bytes });
  return { files };
}

/**
 * The findings as tables for the paper answer (printed after the letter): one table per
 * collection with its rows, and one listing the attached files, which staff print and enclose.
 */
export function findingTables(findings: readonly PackageFinding[], language: Language): LetterTable[] {
  const collections = groupFindings(findings, new Set());
  const ja = language === 'ja';
  const tables: LetterTable[] = [];
  for (const c of collections) {
    const title = ja ? collectionTitle(c) : collectionTitleEn(c);
    if (c.rows.length === 0) {
      if (c.files.length === 0) tables.push({ title, columns: [ja ? '結果' : 'Result'], rows: [[TEXT[language].noData]] });
      continue;
    }
    const columns = columnsOf(c.rows);
    tables.push({
      title,
      columns,
      rows: c.rows.map((row) => {
        const record = row as Record<string, unknown>;
        return columns.map((col) => displayValue(Object.hasOwn(record, col) ? record[col] : undefined));
      }),
    });
  }
  const files = collections.flatMap((c) => c.files.map((f) => [f.fileName, ja ? collectionTitle(c) : collectionTitleEn(c)]));
  if (files.length > 0) {
    tables.push({
      title: ja ? '同封の資料' : 'Enclosed documents',
      columns: ja ? ['資料', '対象'] : ['Document', 'Found in'],
      rows: files,
      widths: [50, 50],
    });
  }
  return tables;
}
