// How dates, amounts, counts and periods are written in Japanese and English policy text.
import type { Language } from '../../lib/errors.ts';

const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function dateParts(isoDate: string): { y: number; m: number; d: number } {
  const [y = '0', m = '1', d = '1'] = isoDate.split('-');
  return { y: Number(y), m: Number(m), d: Number(d) };
}

/** 2024年10月1日 / October 1, 2024 */
export function formatDate(isoDate: string, lang: Language): string {
  const { y, m, d } = dateParts(isoDate);
  return lang === 'ja' ? `${y}年${m}月${d}日` : `${MONTHS_EN[m - 1] ?? ''} ${d}, ${y}`;
}

/** 1,000円 / ¥1,000 */
export function formatYen(amount: number, lang: Language): string {
  const n = amount.toLocaleString('en-US');
  return lang === 'ja' ? `${n}円` : `¥${n}`;
}

const NUMBER_WORDS_EN = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** 2点 / two documents */
export function formatDocumentCount(n: number, lang: Language): string {
  if (lang === 'ja') return `${n}点`;
  const word = NUMBER_WORDS_EN[n] ?? String(n);
  return `${word} document${n === 1 ? '' : 's'}`;
}

export function formatDays(n: number, lang: Language): string {
  return lang === 'ja' ? `${n}日` : `${n} day${n === 1 ? '' : 's'}`;
}

export function formatTimes(n: number, lang: Language): string {
  return lang === 'ja' ? `${n}回` : `${n} time${n === 1 ? '' : 's'}`;
}

/** 1年間 / one year; 18か月間 / 18 months */
export function formatMonths(months: number, lang: Language): string {
  if (months % 12 === 0) {
    const years = months / 12;
    if (lang === 'ja') return `${years}年間`;
    return years === 1 ? 'one year' : `${NUMBER_WORDS_EN[years] ?? String(years)} years`;
  }
  return lang === 'ja' ? `${months}か月間` : `${months} months`;
}

/** 「A、BおよびC」 / "A, B and C" */
export function joinList(items: readonly string[], lang: Language): string {
  if (items.length <= 1) return items[0] ?? '';
  const head = items.slice(0, -1);
  const last = items[items.length - 1] ?? '';
  return lang === 'ja' ? `${head.join('、')}および${last}` : `${head.join(', ')} and ${last}`;
}

/** Stands in for a value that has not been set, so a reader sees the hole instead of nothing. */
export function notSet(lang: Language): string {
  return lang === 'ja' ? '［未設定］' : '[not set]';
}

const CIRCLED = '①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳';

/** Labels of numbered items and their sub-items: (1) and ① in Japanese, (1) and (a) in English. */
export function itemLabel(index: number): string {
  return `(${index + 1})`;
}

export function subItemLabel(index: number, lang: Language): string {
  if (lang === 'ja') return [...CIRCLED][index] ?? `(${index + 1})`;
  return index < 26 ? `(${String.fromCharCode(97 + index)})` : `(${index + 1})`;
}

/** 第3条 / Article 3, or 3. for documents numbered in sections. */
export function articleLabel(n: number, numbering: 'articles' | 'sections', lang: Language): string {
  if (numbering === 'sections') return `${n}.`;
  return lang === 'ja' ? `第${n}条` : `Article ${n}`;
}

/** The day in Japan (UTC+9, no daylight saving) at a moment, as YYYY-MM-DD. */
export function dateInJapan(at: Date): string {
  return new Date(at.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
}
