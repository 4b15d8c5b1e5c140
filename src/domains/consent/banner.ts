// The cookie banner's vocabulary: its three categories, the settings staff edit (texts in
// Japanese and English, the policy link), the tags registered under each category with what
// the external-transmission rule asks of each (recipient, what is sent, both purposes, the
// opt-out), and the choice a visitor sends back.
import { z } from 'zod';
import type { CookieCategory } from '../../db/schema-consent.ts';
import { ZLocalizedRequired, type Localized } from '../policies/localized.ts';

export type { CookieCategory };
export const COOKIE_CATEGORIES = ['necessary', 'analytics', 'marketing'] as const satisfies readonly CookieCategory[];
/** Categories a visitor may refuse; GPC refuses all of these. */
export const OPTIONAL_CATEGORIES = ['analytics', 'marketing'] as const;

const ZUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// address' }).max(500);
const ZLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'one line without control characters');

const ZCategoryText = z.strictObject({ title: ZLocalizedRequired(80), description: ZLocalizedRequired(600) });

export const ZBannerSettings = z.strictObject({
  title: ZLocalizedRequired(120),
  message: ZLocalizedRequired(1000),
  /** The website privacy policy, linked from the banner. */
  policyUrl: ZUrl.nullable(),
  categories: z.strictObject({ necessary: ZCategoryText, analytics: ZCategoryText, marketing: ZCategoryText }),
});
export type BannerSettings = z.infer<typeof ZBannerSettings>;

export const DEFAULT_BANNER_SETTINGS: BannerSettings = {
  title: { ja: 'Cookieと外部送信について', en: 'Cookies and data sent to other companies' },
  message: {
    ja: '当サイトでは、サイトの利用状況の分析や広告のためにCookie等を利用し、利用者の情報を外部の事業者に送信することがあります。必須のもの以外は、同意いただいた場合にのみ利用します。設定はいつでも変更できます。',
    en: 'This site uses cookies and similar technologies, and may send information about your visit to other companies, to analyse how the site is used and for advertising. Apart from what is strictly necessary, we do this only with your consent. You can change your choice at any time.',
  },
  policyUrl: null,
  categories: {
    necessary: {
      title: { ja: '必須', en: 'Strictly necessary' },
      description: {
        ja: 'サイトの表示、ログイン、セキュリティなど、サイトの提供に欠かせないものです。無効にすることはできません。',
        en: 'Needed to show the site, keep you signed in and keep it secure. These cannot be switched off.',
      },
    },
    analytics: {
      title: { ja: 'アクセス解析', en: 'Analytics' },
      description: {
        ja: 'ページの閲覧状況を統計的に把握し、サイトの改善に役立てるためのものです。',
        en: 'Help us understand how pages are used, in aggregate, so that we can improve the site.',
      },
    },
    marketing: {
      title: { ja: '広告・マーケティング', en: 'Advertising and marketing' },
      description: {
        ja: '興味に合わせた広告の表示や、広告の効果測定のためのものです。',
        en: 'Used to show advertising that suits your interests and to measure how well advertising works.',
      },
    },
  },
};

export const ZCookieTagInput = z.strictObject({
  category: z.enum(COOKIE_CATEGORIES),
  /** The tag or module, with its service name: "Google Analytics". */
  name: ZLine(120),
  /** Who handles the data at the destination: "Google LLC". */
  recipient: ZLine(200),
  /** What is sent, concretely (no "etc."). */
  dataSent: ZLocalizedRequired(1000),
  /** Why the company sends it. */
  companyPurpose: ZLocalizedRequired(1000),
  /** What the recipient uses it for. */
  recipientPurpose: ZLocalizedRequired(1000),
  optOutUrl: ZUrl.nullable().default(null),
  sortOrder: z.number().int().min(0).max(100_000).default(0),
});
export type TCookieTagInput = z.input<typeof ZCookieTagInput>;
export type CookieTagFields = z.output<typeof ZCookieTagInput>;

export interface CookieTag extends CookieTagFields {
  id: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface BannerState {
  /** Grows with every change of settings or tags; a proof cites the version the visitor saw. */
  version: number;
  settings: BannerSettings;
  tags: CookieTag[];
  updatedAt: Date | null;
}

export const ZVisitorId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'a random visitor id of 16–64 URL-safe characters');

export const ZBannerChoice = z.strictObject({
  visitorId: ZVisitorId,
  bannerVersion: z.number().int().min(0).max(1_000_000),
  language: z.enum(['ja', 'en']),
  method: z.enum(['accept_all', 'reject_all', 'custom']),
  choices: z.strictObject({ analytics: z.boolean(), marketing: z.boolean() }),
  /** What the page saw in navigator.globalPrivacyControl. */
  gpc: z.boolean().default(false),
});
export type TBannerChoice = z.input<typeof ZBannerChoice>;

export function pick(text: Localized, lang: 'ja' | 'en'): string {
  return text[lang] || text.ja;
}
