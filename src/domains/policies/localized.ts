// Text that exists in Japanese and English. Every public text of Madoguchi is one of these;
// an empty side is a missing translation, which publishing refuses (see policy-content.rules).
import { z } from 'zod';
import type { Language } from '../../lib/errors.ts';

export interface Localized {
  ja: string;
  en: string;
}

export const LANGUAGES: readonly Language[] = ['ja', 'en'];

/** Both sides bounded; either may be empty while a draft is being written. */
export function ZLocalized(max: number) {
  return z.strictObject({ ja: z.string().trim().max(max), en: z.string().trim().max(max) });
}

/** Both sides required (names, titles of records that make no sense half-written). */
export function ZLocalizedRequired(max: number) {
  return z.strictObject({ ja: z.string().trim().min(1).max(max), en: z.string().trim().min(1).max(max) });
}

export function localized(ja: string, en: string): Localized {
  return { ja, en };
}

export function isBlank(text: string | null | undefined): boolean {
  return text === null || text === undefined || text.trim() === '';
}

/** The languages in which a text is missing. */
export function missingLanguages(text: Localized | null | undefined): Language[] {
  if (!text) return [...LANGUAGES];
  return LANGUAGES.filter((lang) => isBlank(text[lang]));
}
