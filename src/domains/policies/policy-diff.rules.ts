// A readable comparison of two versions of a policy, in both languages at once. Articles are
// paired by their key, so inserting an article does not make every later one look changed;
// inside an article the headings, paragraphs, items and sub-items are aligned as a sequence,
// and a changed unit shows which words changed (English is split into words; Japanese, which
// has no spaces, into runs of one script — kanji, hiragana, katakana, Latin — and
// punctuation). Generated blocks compare by what they stand for, not by today's values.
import type { Language } from '../../lib/errors.ts';
import type { Localized } from './localized.ts';
import { GENERATED_BLOCKS, type Block, type PolicyContent } from './policy.ts';
import { articleLabel, itemLabel, subItemLabel } from './policy-format.ts';

export type SegmentOp = 'equal' | 'insert' | 'delete';
export interface Segment {
  op: SegmentOp;
  text: string;
}

export interface TextDiff {
  before: string | null;
  after: string | null;
  /** Empty when the text is the same in this language. */
  segments: Segment[];
}

export interface UnitDiff {
  status: 'added' | 'removed' | 'changed';
  /** Where the unit is, e.g. 第8条 (3) ① / Article 8 (3)(a). */
  label: Localized;
  ja: TextDiff;
  en: TextDiff;
}

export interface ArticleDiff {
  /** The article key; `_title`, `_preamble` and `_closing` for the parts outside articles. */
  key: string;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  heading: Localized;
  /** 第3条 / Article 3 / 3. in the newer version (the older one for a removed article); null
   * for the parts outside articles. */
  label: Localized | null;
  numberBefore: number | null;
  numberAfter: number | null;
  /** Only the units that differ. */
  units: UnitDiff[];
}

export interface PolicyDiff {
  articles: ArticleDiff[];
  /** True when nothing differs. */
  identical: boolean;
}

interface Unit {
  label: Localized;
  text: Localized;
}

function generatedText(key: keyof typeof GENERATED_BLOCKS): Localized {
  const name = GENERATED_BLOCKS[key];
  return { ja: `［自動生成：${name.ja}］`, en: `[generated: ${name.en}]` };
}

function blockUnits(blocks: readonly Block[], prefix: Localized): Unit[] {
  const units: Unit[] = [];
  let paragraphNo = 0;
  blocks.forEach((b) => {
    switch (b.type) {
      case 'paragraph':
        paragraphNo += 1;
        units.push({ label: { ja: `${prefix.ja} 本文${paragraphNo}`.trim(), en: `${prefix.en} paragraph ${paragraphNo}`.trim() }, text: b.text });
        break;
      case 'generated':
        units.push({ label: { ja: `${prefix.ja} 自動生成`.trim(), en: `${prefix.en} generated`.trim() }, text: generatedText(b.key) });
        break;
      case 'list':
        b.items.forEach((it, i) => {
          const mark = b.style === 'numbered' ? itemLabel(i) : `・${i + 1}`;
          const markEn = b.style === 'numbered' ? itemLabel(i) : `bullet ${i + 1}`;
          const label = { ja: `${prefix.ja} ${mark}`.trim(), en: `${prefix.en} ${markEn}`.trim() };
          units.push({ label, text: it.text });
          it.subItems.forEach((s, j) => {
            units.push({
              label: { ja: `${label.ja} ${subItemLabel(j, 'ja')}`, en: `${label.en}${subItemLabel(j, 'en')}` },
              text: s.text,
            });
          });
        });
        break;
    }
  });
  return units;
}

interface Part {
  key: string;
  heading: Localized;
  label: Localized | null;
  number: number | null;
  units: Unit[];
}

function partsOf(content: PolicyContent): Part[] {
  const none = { ja: '', en: '' };
  const parts: Part[] = [
    { key: '_title', heading: { ja: '表題', en: 'Title' }, label: null, number: null, units: [{ label: { ja: '表題', en: 'title' }, text: content.title }] },
    { key: '_preamble', heading: { ja: '前文', en: 'Preamble' }, label: null, number: null, units: blockUnits(content.preamble, { ja: '前文', en: 'preamble' }) },
  ];
  content.articles.forEach((a, i) => {
    const prefix = { ja: articleLabel(i + 1, content.numbering, 'ja'), en: articleLabel(i + 1, content.numbering, 'en') };
    parts.push({
      key: a.key,
      heading: a.heading,
      label: prefix,
      number: i + 1,
      units: [{ label: { ja: `${prefix.ja} 見出し`, en: `${prefix.en} heading` }, text: a.heading }, ...blockUnits(a.blocks, prefix)],
    });
  });
  parts.push({ key: '_closing', heading: { ja: '末尾', en: 'Closing' }, label: null, number: null, units: blockUnits(content.closing, none) });
  return parts;
}

type Edit<T> = { op: 'equal'; a: T; b: T } | { op: 'delete'; a: T } | { op: 'insert'; b: T };

/** Longest-common-subsequence edit script. Inputs are bounded by the content schema; beyond
 * `maxCells` the middle is reported as replaced instead of searched. */
export function editScript<T>(a: readonly T[], b: readonly T[], equal: (x: T, y: T) => boolean, maxCells = 4_000_000): Edit<T>[] {
  let start = 0;
  while (start < a.length && start < b.length && equal(a[start] as T, b[start] as T)) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && equal(a[endA - 1] as T, b[endB - 1] as T)) {
    endA--;
    endB--;
  }
  const head: Edit<T>[] = a.slice(0, start).map((x, i) => ({ op: 'equal', a: x, b: b[i] as T }));
  const tail: Edit<T>[] = a.slice(endA).map((x, i) => ({ op: 'equal', a: x, b: b[endB + i] as T }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  const middle: Edit<T>[] = [];
  if ((n + 1) * (m + 1) > maxCells) {
    for (const x of midA) middle.push({ op: 'delete', a: x });
    for (const y of midB) middle.push({ op: 'insert', b: y });
    return [...head, ...middle, ...tail];
  }
  // lcs[i][j] = length of the LCS of midA[i..] and midB[j..]
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = equal(midA[i] as T, midB[j] as T)
        ? (lcs[(i + 1) * w + j + 1] ?? 0) + 1
        : Math.max(lcs[(i + 1) * w + j] ?? 0, lcs[i * w + j + 1] ?? 0);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (equal(midA[i] as T, midB[j] as T)) {
      middle.push({ op: 'equal', a: midA[i] as T, b: midB[j] as T });
      i++;
      j++;
    } else if ((lcs[(i + 1) * w + j] ?? 0) >= (lcs[i * w + j + 1] ?? 0)) {
      middle.push({ op: 'delete', a: midA[i] as T });
      i++;
    } else {
      middle.push({ op: 'insert', b: midB[j] as T });
      j++;
    }
  }
  while (i < n) middle.push({ op: 'delete', a: midA[i++] as T });
  while (j < m) middle.push({ op: 'insert', b: midB[j++] as T });
  return [...head, ...middle, ...tail];
}

const JA_TOKEN = /\s+|\p{Script=Han}+|\p{Script=Hiragana}+|[\p{Script=Katakana}ー]+|[\p{L}\p{N}]+|./gsu;
const EN_TOKEN = /\s+|[\p{L}\p{N}'’-]+|./gsu;

export function tokenize(text: string, lang: Language): string[] {
  return text.match(lang === 'ja' ? JA_TOKEN : EN_TOKEN) ?? [];
}

/** Word-level segments of the change from `before` to `after`. */
export function diffText(before: string, after: string, lang: Language): Segment[] {
  const script = editScript(tokenize(before, lang), tokenize(after, lang), (x, y) => x === y);
  const segments: Segment[] = [];
  for (const e of script) {
    const op: SegmentOp = e.op;
    const text = e.op === 'insert' ? e.b : e.a;
    const last = segments[segments.length - 1];
    if (last && last.op === op) last.text += text;
    else segments.push({ op, text });
  }
  return segments;
}

function textDiff(before: string | null, after: string | null, lang: Language): TextDiff {
  if (before === after) return { before, after, segments: [] };
  if (before === null) return { before, after, segments: after ? [{ op: 'insert', text: after }] : [] };
  if (after === null) return { before, after, segments: before ? [{ op: 'delete', text: before }] : [] };
  return { before, after, segments: diffText(before, after, lang) };
}

function sameText(a: Localized, b: Localized): boolean {
  return a.ja === b.ja && a.en === b.en;
}

function unitDiff(status: UnitDiff['status'], label: Localized, before: Localized | null, after: Localized | null): UnitDiff {
  return {
    status,
    label,
    ja: textDiff(before?.ja ?? null, after?.ja ?? null, 'ja'),
    en: textDiff(before?.en ?? null, after?.en ?? null, 'en'),
  };
}

/** Aligns units, then pairs each run of removals with the following run of additions as
 * changes, which is how a reader sees an edited sentence. */
function diffUnits(before: readonly Unit[], after: readonly Unit[]): UnitDiff[] {
  const script = editScript(before, after, (x, y) => sameText(x.text, y.text));
  const out: UnitDiff[] = [];
  let removed: Unit[] = [];
  let added: Unit[] = [];
  const flush = () => {
    const paired = Math.min(removed.length, added.length);
    for (let k = 0; k < paired; k++) {
      const a = removed[k] as Unit;
      const b = added[k] as Unit;
      out.push(unitDiff('changed', b.label, a.text, b.text));
    }
    for (const a of removed.slice(paired)) out.push(unitDiff('removed', a.label, a.text, null));
    for (const b of added.slice(paired)) out.push(unitDiff('added', b.label, null, b.text));
    removed = [];
    added = [];
  };
  for (const e of script) {
    if (e.op === 'equal') flush();
    else if (e.op === 'delete') {
      if (added.length > 0) flush();
      removed.push(e.a);
    } else added.push(e.b);
  }
  flush();
  return out;
}

export function diffPolicies(before: PolicyContent, after: PolicyContent): PolicyDiff {
  const a = partsOf(before);
  const b = partsOf(after);
  const script = editScript(a, b, (x, y) => x.key === y.key);
  const articles: ArticleDiff[] = [];
  const byKeyA = new Map(a.map((p) => [p.key, p]));
  const seen = new Set<string>();
  for (const e of script) {
    if (e.op === 'equal') {
      const units = diffUnits(e.a.units, e.b.units);
      const renumbered = e.a.number !== e.b.number;
      articles.push({
        key: e.b.key,
        status: units.length > 0 ? 'changed' : 'unchanged',
        heading: e.b.heading,
        label: e.b.label,
        numberBefore: e.a.number,
        numberAfter: e.b.number,
        units: renumbered || units.length > 0 ? units : [],
      });
      seen.add(e.b.key);
    } else if (e.op === 'insert') {
      // An article moved to another place pairs with its old self.
      const old = byKeyA.get(e.b.key);
      if (old) {
        const units = diffUnits(old.units, e.b.units);
        articles.push({ key: e.b.key, status: units.length > 0 ? 'changed' : 'unchanged', heading: e.b.heading, label: e.b.label, numberBefore: old.number, numberAfter: e.b.number, units });
        seen.add(e.b.key);
      } else {
        articles.push({ key: e.b.key, status: 'added', heading: e.b.heading, label: e.b.label, numberBefore: null, numberAfter: e.b.number, units: diffUnits([], e.b.units) });
      }
    } else if (!b.some((p) => p.key === e.a.key)) {
      articles.push({ key: e.a.key, status: 'removed', heading: e.a.heading, label: e.a.label, numberBefore: e.a.number, numberAfter: null, units: diffUnits(e.a.units, []) });
    }
  }
  return { articles, identical: articles.every((x) => x.status === 'unchanged' && x.numberBefore === x.numberAfter) };
}

function segmentsText(segments: readonly Segment[]): string {
  return segments.map((s) => (s.op === 'equal' ? s.text : s.op === 'delete' ? `[-${s.text}-]` : `{+${s.text}+}`)).join('');
}

const STATUS_WORDS: Record<Language, Record<ArticleDiff['status'] | UnitDiff['status'], string>> = {
  ja: { added: '追加', removed: '削除', changed: '変更', unchanged: '変更なし' },
  en: { added: 'added', removed: 'removed', changed: 'changed', unchanged: 'unchanged' },
};

/** The diff as text in one language: [-removed-] and {+added+} inside changed sentences. */
export function diffToText(diff: PolicyDiff, lang: Language): string {
  const out: string[] = [];
  for (const a of diff.articles) {
    if (a.status === 'unchanged' && a.numberBefore === a.numberAfter) continue;
    const where = a.label === null ? a.heading[lang] : `${a.label[lang]} ${a.heading[lang]}`;
    const moved =
      a.numberBefore !== null && a.numberAfter !== null && a.numberBefore !== a.numberAfter
        ? lang === 'ja'
          ? `（旧${a.numberBefore}）`
          : ` (formerly ${a.numberBefore})`
        : '';
    out.push(`${where}${moved}: ${STATUS_WORDS[lang][a.status]}`);
    for (const u of a.units) {
      const t = u[lang];
      out.push(`  ${u.label[lang]} [${STATUS_WORDS[lang][u.status]}] ${segmentsText(t.segments)}`);
    }
  }
  return out.join('\n');
}
