// The external-transmission notice (電気通信事業法第27条の12, 外部送信規律) generated from the
// tags registered for the banner: for each tag, what is sent, who receives it (with the
// service name), the company's purpose in sending it and the recipient's purpose in using it,
// and how to stop it. Japanese first, as the MIC guideline asks; English for the English site.
import type { Language } from '../../lib/errors.ts';
import { COOKIE_CATEGORIES, pick, type BannerSettings, type CookieTag } from './banner.ts';

export interface TransmissionNoticeItem {
  number: number;
  name: string;
  category: CookieTag['category'];
  categoryTitle: string;
  recipient: string;
  dataSent: string;
  companyPurpose: string;
  recipientPurpose: string;
  optOut: string;
}

export interface TransmissionNotice {
  language: Language;
  title: string;
  introduction: string;
  items: TransmissionNoticeItem[];
  /** The whole notice as plain text, ready to publish. */
  text: string;
}

const WORDS = {
  ja: {
    title: '外部送信に関する公表事項',
    intro: (org: string) =>
      `${org}（以下「当社」といいます。）は、当社のウェブサイトにおいて、利用者の端末から外部の事業者へ利用者に関する情報を送信するタグ等を利用しています。電気通信事業法第27条の12に基づき、送信される情報の内容、送信先および利用目的を次のとおり公表します。`,
    none: '現在、利用者に関する情報を外部に送信するタグ等は利用していません。',
    recipient: '送信先',
    dataSent: '送信される情報',
    companyPurpose: '当社の利用目的',
    recipientPurpose: '送信先における利用目的',
    optOut: 'オプトアウト',
    bannerOptOut: '当サイトの「Cookie設定」から、いつでも送信を停止できます。',
    necessary: 'サイトの提供に必要なため、送信を停止することはできません。',
    separator: '：',
    company: '当社',
  },
  en: {
    title: 'Information sent to other companies from this website',
    intro: (org: string) =>
      `${org} ("we") uses tags and similar modules on our website that send information about visitors from their devices to other companies. As the Telecommunications Business Act (Art. 27-12) requires, we publish what is sent, to whom, and for what purposes.`,
    none: 'We currently use no tags or modules that send information about visitors to other companies.',
    recipient: 'Recipient',
    dataSent: 'Information sent',
    companyPurpose: 'Our purpose',
    recipientPurpose: "Recipient's purpose",
    optOut: 'Opting out',
    bannerOptOut: 'You can stop this at any time in the "Cookie settings" of this site.',
    necessary: 'This is needed to provide the site and cannot be switched off.',
    separator: ': ',
    company: 'We',
  },
} as const;

function optOutText(tag: CookieTag, lang: Language): string {
  const w = WORDS[lang];
  if (tag.category === 'necessary') return tag.optOutUrl ? `${tag.optOutUrl}（${w.necessary}）` : w.necessary;
  return tag.optOutUrl ? `${tag.optOutUrl} ${w.bannerOptOut}` : w.bannerOptOut;
}

export function renderTransmissionNotice(input: { organizationName: { ja: string; en: string } | null; settings: BannerSettings; tags: readonly CookieTag[]; language: Language }): TransmissionNotice {
  const lang = input.language;
  const w = WORDS[lang];
  const org = input.organizationName ? pick(input.organizationName, lang) : w.company;
  const ordered = [...input.tags].sort(
    (a, b) => COOKIE_CATEGORIES.indexOf(a.category) - COOKIE_CATEGORIES.indexOf(b.category) || a.sortOrder - b.sortOrder || a.name.localeCompare(b.name),
  );
  const items = ordered.map(
    (tag, i): TransmissionNoticeItem => ({
      number: i + 1,
      name: tag.name,
      category: tag.category,
      categoryTitle: pick(input.settings.categories[tag.category].title, lang),
      recipient: tag.recipient,
      dataSent: pick(tag.dataSent, lang),
      companyPurpose: pick(tag.companyPurpose, lang),
      recipientPurpose: pick(tag.recipientPurpose, lang),
      optOut: optOutText(tag, lang),
    }),
  );
  const introduction = w.intro(org);
  const open = lang === 'ja' ? '（' : ' (';
  const close = lang === 'ja' ? '）' : ')';
  const blocks = items.map((item) =>
    [
      `${item.number}. ${item.name}${open}${item.categoryTitle}${close}`,
      `  ${w.recipient}${w.separator}${item.recipient}`,
      `  ${w.dataSent}${w.separator}${item.dataSent}`,
      `  ${w.companyPurpose}${w.separator}${item.companyPurpose}`,
      `  ${w.recipientPurpose}${w.separator}${item.recipientPurpose}`,
      `  ${w.optOut}${w.separator}${item.optOut}`,
    ].join('\n'),
  );
  const text = [w.title, '', introduction, '', ...(blocks.length > 0 ? blocks.join('\n\n').split('\n') : [w.none])].join('\n');
  return { language: lang, title: w.title, introduction, items, text };
}
