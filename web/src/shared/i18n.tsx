// Japanese and English for both apps without an i18n library: each part of the app declares
// its texts once per language with defineMessages (the English keys must match the Japanese
// ones, so a missing translation fails the type check), and useT() picks the current one.
// The chosen language is remembered in localStorage and mirrored on <html lang>.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

export type Language = 'ja' | 'en';
export const LANGUAGES: readonly Language[] = ['ja', 'en'];

const STORAGE_KEY = 'madoguchi.language';

export interface Messages<K extends string> {
  ja: Readonly<Record<K, string>>;
  en: Readonly<Record<K, string>>;
}

export function defineMessages<K extends string>(ja: Readonly<Record<K, string>>, en: Readonly<Record<NoInfer<K>, string>>): Messages<K> {
  return { ja, en };
}

export type Vars = Readonly<Record<string, string | number>>;

/** Replaces `{name}` placeholders; an unknown placeholder is left visible so it gets noticed. */
export function format(template: string, vars?: Vars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = vars[name];
    return value === undefined ? whole : String(value);
  });
}

function readStoredLanguage(): Language | null {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return stored === 'ja' || stored === 'en' ? stored : null;
  } catch {
    // Storage can be disabled (private mode, policies): the language then lasts for the page.
    return null;
  }
}

/** Whether the person has chosen a language here before (the choice then always wins). */
export function hasStoredLanguage(): boolean {
  return readStoredLanguage() !== null;
}

/** Stored choice first; otherwise, if asked to, the browser's languages; otherwise the default. */
export function initialLanguage(fallback: Language, followBrowser = true): Language {
  const stored = readStoredLanguage();
  if (stored) return stored;
  if (!followBrowser) return fallback;
  for (const tag of navigator.languages ?? []) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'ja' || primary === 'en') return primary;
  }
  return fallback;
}

interface LanguageState {
  lang: Language;
  setLang(lang: Language): void;
}

const LanguageContext = createContext<LanguageState>({ lang: 'ja', setLang: () => undefined });

/**
 * `followBrowser={false}` opens in `fallback` whatever the browser prefers (the privacy centre
 * is Japanese first, English one click away).
 */
export function LanguageProvider({ children, fallback = 'ja', followBrowser = true }: { children: ReactNode; fallback?: Language; followBrowser?: boolean }) {
  const [lang, setLangState] = useState<Language>(() => initialLanguage(fallback, followBrowser));
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((next: Language) => {
    setLangState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // See readStoredLanguage: not remembering is acceptable.
    }
  }, []);
  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  return <LanguageContext.Provider value={value}>{children}</LanguageContext.Provider>;
}

export function useLanguage(): LanguageState {
  return useContext(LanguageContext);
}

/** Current language's lookup for one message set: `t('key', { name })`. */
export function useT<K extends string>(messages: Messages<K>): (key: K, vars?: Vars) => string {
  const { lang } = useLanguage();
  return useCallback((key: K, vars?: Vars) => format(messages[lang][key], vars), [messages, lang]);
}

/** Picks the field of a `{ ja, en }` pair from the API for the current language. */
export function useLocalized(): <T>(pair: { ja: T; en: T }) => T {
  const { lang } = useLanguage();
  return useCallback(<T,>(pair: { ja: T; en: T }) => pair[lang], [lang]);
}

export function formatDate(iso: string, lang: Language, withTime = false): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    ...(withTime ? { hour: '2-digit', minute: '2-digit' } : {}),
    timeZone: 'Asia/Tokyo',
  }).format(date);
}

export function formatYen(amount: number, lang: Language): string {
  return new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { style: 'currency', currency: 'JPY' }).format(amount);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
