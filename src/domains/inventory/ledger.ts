// The personal-information ledger (個人情報管理台帳) in the shape PrivacyMark auditors expect
// (JIS Q 15001 J.3.1.1 and its recommended extras): one row per field and personal data
// category, with purpose, storage place and method, who has access, period of use, retention,
// sensitivity, acquisition, third-party provision, outsourcing and record count. Written as
// CSV (UTF-8 with BOM, so Excel reads the Japanese) and as an Excel workbook; headings are in
// Japanese with English in a second header row.
import { findDataCategory, isPersonalCategory } from './data-categories.ts';
import { fieldFlags, walkFields } from './datamap.rules.ts';
import type { DataMap, EraseStrategy } from './datamap.types.ts';
import { writeXlsx, type Cell } from './xlsx.ts';

export const LEDGER_COLUMNS = [
  { key: 'system', ja: 'システム', en: 'System' },
  { key: 'dataset', ja: 'データセット', en: 'Dataset' },
  { key: 'collection', ja: '保管単位（表・ファイル）', en: 'Collection' },
  { key: 'item', ja: '個人情報の項目', en: 'Item of personal information' },
  { key: 'description', ja: '項目の説明', en: 'Description' },
  { key: 'category', ja: 'データ区分', en: 'Data category' },
  { key: 'purposes', ja: '利用目的', en: 'Purposes of use' },
  { key: 'storagePlace', ja: '保管場所', en: 'Storage place' },
  { key: 'storageMethod', ja: '保管方法', en: 'Storage method' },
  { key: 'access', ja: 'アクセス権を有する者', en: 'Who has access' },
  { key: 'usePeriod', ja: '利用期限', en: 'Period of use' },
  { key: 'retention', ja: '保管期限', en: 'Retention period' },
  { key: 'retentionBasis', ja: '保管期限の根拠', en: 'Basis of retention' },
  { key: 'specialCare', ja: '要配慮個人情報', en: 'Special care-required' },
  { key: 'otherSensitivity', ja: 'その他の機微性', en: 'Other sensitivity' },
  { key: 'acquisition', ja: '取得方法', en: 'How acquired' },
  { key: 'thirdPartyProvision', ja: '第三者提供', en: 'Third-party provision' },
  { key: 'outsourcing', ja: '委託先', en: 'Outsourcing' },
  { key: 'recordCount', ja: '件数', en: 'Record count' },
  { key: 'legalHold', ja: '法定保存', en: 'Legal hold' },
  { key: 'erasure', ja: '消去方法', en: 'Erasure method' },
  { key: 'owner', ja: '管理責任者', en: 'Owner' },
  { key: 'lastReviewed', ja: '最終見直し日', en: 'Last reviewed' },
] as const;

export type LedgerColumn = (typeof LEDGER_COLUMNS)[number]['key'];
export type LedgerRow = Record<LedgerColumn, string | number | null>;

const ERASE_LABELS: Record<EraseStrategy, string> = {
  nullify: '空にする（NULL）',
  fixed_text: '固定文字列で置換',
  random: 'ランダム文字列で置換',
  hash: 'ハッシュ値で置換',
  keyed_hash: '鍵付きハッシュ値で置換',
  delete_row: '行ごと削除',
};

const PERIOD_UNITS: Array<[string, string]> = [
  ['Y', '年'],
  ['M', 'か月'],
  ['W', '週間'],
  ['D', '日'],
];

/** `P1Y6M` → `1年6か月`; `indefinite` → `無期限`. */
export function formatPeriod(period: string): string {
  if (period === 'indefinite') return '無期限';
  if (/^P(0[YMWD])+$/.test(period)) return '直ちに';
  let out = '';
  for (const [unit, label] of PERIOD_UNITS) {
    const m = new RegExp(`(\\d+)${unit}`).exec(period);
    if (m) out += `${m[1]}${label}`;
  }
  return out || period;
}

function joinList(items: readonly string[]): string {
  return items.join('、');
}

export interface LedgerOptions {
  /** Purpose titles by code (from the purposes registry), shown beside the code. */
  purposeTitles?: ReadonlyMap<string, string>;
}

/** One row per field and personal (user.*) data category; fields without one are not personal data. */
export function buildLedgerRows(map: DataMap, options: LedgerOptions = {}): LedgerRow[] {
  const rows: LedgerRow[] = [];
  for (const system of map.systems) {
    const storagePlace = system.location
      ? [system.location.country, system.location.region, system.location.note].filter((p) => p !== undefined).join(' ')
      : '';
    const storageMethod =
      system.storageMethod ?? (system.kind === 'manual' ? '紙媒体（書面）' : system.kind ? `電子データ（${system.kind}）` : '');
    const outsourcing = joinList(
      system.vendors.filter((v) => v.role === 'contractor').map((v) => (v.country ? `${v.name}（${v.country}）` : v.name)),
    );
    for (const dataset of system.datasets) {
      for (const collection of dataset.collections) {
        const legalHold = joinList(collection.legalHolds.map((h) => (h.period ? `${h.reason}（${formatPeriod(h.period)}）` : h.reason)));
        for (const { field, path } of walkFields(collection.fields)) {
          const personal = (field.dataCategories ?? []).filter(isPersonalCategory);
          if (personal.length === 0) continue;
          const flags = fieldFlags(field);
          const other = [
            flags.pmarkSensitive && !flags.specialCare ? '機微（JIS Q 15001）' : null,
            flags.financial ? '金融情報' : null,
            flags.individualNumber ? '特定個人情報（個人番号）' : null,
          ].filter((x): x is string => x !== null);
          const purposes = joinList(
            field.purposes.map((code) => {
              const title = options.purposeTitles?.get(code);
              return title ? `${title}（${code}）` : code;
            }),
          );
          const erase = field.erase ?? collection.erase;
          for (const key of personal) {
            const category = findDataCategory(key);
            rows.push({
              system: system.title ? `${system.title}（${system.name}）` : system.name,
              dataset: dataset.name,
              collection: collection.name,
              item: path,
              description: field.description ?? '',
              category: category ? `${category.ja}（${key}）` : key,
              purposes,
              storagePlace,
              storageMethod,
              access: joinList(collection.access),
              usePeriod: collection.usePeriod ?? '',
              retention: field.retention
                ? `${formatPeriod(field.retention.period)}${field.retention.from ? `（${field.retention.from}から）` : ''}`
                : '',
              retentionBasis: field.retention?.basis ?? '',
              specialCare: flags.specialCare ? '該当' : '',
              otherSensitivity: joinList(other),
              acquisition: collection.acquisition ?? '',
              thirdPartyProvision: collection.thirdPartyProvision ?? '',
              outsourcing,
              recordCount: collection.recordCount ?? null,
              legalHold,
              erasure: erase ? ERASE_LABELS[erase.strategy] : '',
              owner: system.owner ?? '',
              lastReviewed: system.review?.lastReviewedOn ?? '',
            });
          }
        }
      }
    }
  }
  return rows;
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  // A cell starting with = + - @ (or a tab/CR) would run as a formula when opened in a
  // spreadsheet; a leading apostrophe keeps it text.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_BOM = '\uFEFF';

/** CSV with a BOM and CRLF line ends; first row Japanese headings, second row English. */
export function ledgerCsv(rows: readonly LedgerRow[]): string {
  const lines = [LEDGER_COLUMNS.map((c) => csvCell(c.ja)).join(','), LEDGER_COLUMNS.map((c) => csvCell(c.en)).join(',')];
  for (const row of rows) lines.push(LEDGER_COLUMNS.map((c) => csvCell(row[c.key])).join(','));
  return `${CSV_BOM}${lines.join('\r\n')}\r\n`;
}

const WIDTHS: Partial<Record<LedgerColumn, number>> = {
  system: 24,
  item: 22,
  description: 30,
  category: 28,
  purposes: 30,
  storagePlace: 22,
  access: 24,
  retention: 18,
  retentionBasis: 30,
  acquisition: 28,
  thirdPartyProvision: 24,
  outsourcing: 24,
  legalHold: 30,
};

export function ledgerXlsx(rows: readonly LedgerRow[]): Buffer {
  return writeXlsx({
    name: '個人情報管理台帳',
    headerRows: [LEDGER_COLUMNS.map((c) => c.ja), LEDGER_COLUMNS.map((c) => c.en)],
    rows: rows.map((row): Cell[] => LEDGER_COLUMNS.map((c) => row[c.key])),
    widths: LEDGER_COLUMNS.map((c) => WIDTHS[c.key] ?? 14),
  });
}
