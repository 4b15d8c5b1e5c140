// Choosing between Japanese and English from an Accept-Language header. Japanese is the
// default: the public side is Japanese first.
import type { Language } from './errors.ts';

export function pickLanguage(header: string | undefined, fallback: Language = 'ja'): Language {
  if (!header) return fallback;
  let best: { lang: Language; q: number } | null = null;
  for (const part of header.split(',').slice(0, 20)) {
    const [tag = '', ...params] = part.trim().split(';');
    const primary = tag.trim().toLowerCase().split('-')[0];
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const lang: Language | null = primary === 'ja' ? 'ja' : primary === 'en' ? 'en' : null;
    if (lang && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? fallback;
}
