// Pure rules about policy versions: which translations a version still lacks (publishing is
// refused until none), when a version may take effect, and the revision history that closes a
// Japanese policy (「2019年4月1日 制定」「2024年10月1日 改定」) and its English counterpart.
import type { Language } from '../../lib/errors.ts';
import { LANGUAGES, isBlank, type Localized } from './localized.ts';
import type { Block, PolicyContent } from './policy.ts';
import { formatDate } from './policy-format.ts';

export interface TranslationGap {
  /** Dotted path into the content, e.g. `articles.purpose.blocks.1.items.0.text`. */
  path: string;
  language: Language;
}

function checkText(gaps: TranslationGap[], path: string, text: Localized, optional = false): void {
  if (optional && isBlank(text.ja) && isBlank(text.en)) return;
  for (const lang of LANGUAGES) if (isBlank(text[lang])) gaps.push({ path, language: lang });
}

function checkBlocks(gaps: TranslationGap[], base: string, blocks: readonly Block[]): void {
  blocks.forEach((b, i) => {
    const path = `${base}.${i}`;
    switch (b.type) {
      case 'paragraph':
        checkText(gaps, `${path}.text`, b.text);
        break;
      case 'list':
        b.items.forEach((it, j) => {
          checkText(gaps, `${path}.items.${j}.text`, it.text);
          it.subItems.forEach((s, k) => checkText(gaps, `${path}.items.${j}.subItems.${k}.text`, s.text));
        });
        break;
      case 'generated':
        break;
    }
  });
}

/**
 * Every text of the version that is missing in Japanese or in English. Generated blocks are
 * not checked here: what they lack is a gap in the settings (see notice.rules). The revision
 * summary may be left empty, but not written in one language only.
 */
export function translationGaps(content: PolicyContent, summary?: Localized): TranslationGap[] {
  const gaps: TranslationGap[] = [];
  checkText(gaps, 'title', content.title);
  checkBlocks(gaps, 'preamble', content.preamble);
  for (const a of content.articles) {
    checkText(gaps, `articles.${a.key}.heading`, a.heading);
    checkBlocks(gaps, `articles.${a.key}.blocks`, a.blocks);
  }
  checkBlocks(gaps, 'closing', content.closing);
  if (summary) checkText(gaps, 'summary', summary, true);
  return gaps;
}

export type EffectiveDateProblem = 'effective_date_required' | 'effective_date_in_past' | 'effective_date_not_after_latest';

/**
 * A new version takes effect today or later (history is not rewritten), and after the latest
 * published version of the same document, so the versions stay in order.
 */
export function effectiveDateProblem(effectiveDate: string | null, today: string, latestPublished: string | null): EffectiveDateProblem | null {
  if (effectiveDate === null) return 'effective_date_required';
  if (effectiveDate < today) return 'effective_date_in_past';
  if (latestPublished !== null && effectiveDate <= latestPublished) return 'effective_date_not_after_latest';
  return null;
}

/** The dates a version's history lists: revisions from before Madoguchi, then the published
 * versions, up to and including the version's own effective date. */
export function revisionDates(historyBefore: readonly string[], publishedDates: readonly string[], upTo: string): string[] {
  return [...new Set([...historyBefore, ...publishedDates])].filter((d) => d <= upTo).sort();
}

/** The first date is the establishment (制定), every later one a revision (改定). */
export function revisionHistoryLines(dates: readonly string[], lang: Language): string[] {
  return dates.map((d, i) => {
    const date = formatDate(d, lang);
    if (lang === 'ja') return `${date} ${i === 0 ? '制定' : '改定'}`;
    return `${i === 0 ? 'Established' : 'Revised'}: ${date}`;
  });
}
