// Policy documents as structured, bilingual content: a title, a preamble, numbered articles
// (or sections) holding paragraphs, numbered or bulleted lists with sub-items, and generated
// blocks. A generated block is a placeholder filled at render time from the organisation
// profile, the request settings, the purposes registry and the data map, so the published
// text never disagrees with what the system does.
import { z } from 'zod';
import { ZLocalized, type Localized } from './localized.ts';

/** The documents every organisation publishes. The kind is also the URL slug. */
export const POLICY_KINDS = ['company-policy', 'request-procedures', 'website-privacy', 'appi-notice'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export const POLICY_KIND_TITLES: Record<PolicyKind, Localized> = {
  'company-policy': { ja: '個人情報保護方針', en: 'Personal Information Protection Policy' },
  'request-procedures': { ja: '開示等の請求手続き', en: 'Procedures for Requests about Personal Data' },
  'website-privacy': { ja: 'ウェブサイトのプライバシーポリシー', en: 'Website Privacy Policy' },
  'appi-notice': { ja: '保有個人データに関する事項の公表', en: 'Public Notice on Retained Personal Data' },
};

/** Generated blocks and the words that stand for them where a draft is read or compared. */
export const GENERATED_BLOCKS = {
  'organization.identity': { ja: '事業者の名称・住所・代表者', en: 'name, address and representative of the business' },
  'organization.request_contact': { ja: '請求の受付窓口', en: 'where to send requests' },
  'organization.complaint_contact': { ja: '苦情の申出先', en: 'where to send complaints' },
  'organization.accredited': { ja: '認定個人情報保護団体', en: 'accredited personal information protection organisation' },
  'purposes.list': { ja: '利用目的の一覧', en: 'list of the purposes of use' },
  'requests.procedures': { ja: '請求の種類と請求の方法', en: 'kinds of request and how to make them' },
  'requests.identity_documents': { ja: '本人確認書類と代理人の書類', en: 'identity documents and documents for agents' },
  'requests.fees': { ja: '手数料と費用', en: 'fees and costs' },
  'requests.delivery': { ja: '開示の方法', en: 'how disclosure is delivered' },
  'requests.retention': { ja: '提出書類の保管期間', en: 'how long submitted documents are kept' },
  'requests.response_time': { ja: '回答までの期間', en: 'time to answer' },
  'security.measures': { ja: '安全管理措置（外国での取扱いを含む）', en: 'security control measures (including handling abroad)' },
} as const satisfies Record<string, Localized>;
export type GeneratedBlockKey = keyof typeof GENERATED_BLOCKS;
export const GENERATED_BLOCK_KEYS = Object.keys(GENERATED_BLOCKS) as GeneratedBlockKey[];

const TEXT_MAX = 6000;

export const ZSubItem = z.strictObject({ text: ZLocalized(TEXT_MAX) });
export const ZListItem = z.strictObject({
  text: ZLocalized(TEXT_MAX),
  subItems: z.array(ZSubItem).max(60),
});
export type ListItem = z.infer<typeof ZListItem>;

export const ZBlock = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('paragraph'), text: ZLocalized(TEXT_MAX) }),
  z.strictObject({ type: z.literal('list'), style: z.enum(['numbered', 'bullet']), items: z.array(ZListItem).min(1).max(100) }),
  z.strictObject({ type: z.literal('generated'), key: z.enum(GENERATED_BLOCK_KEYS as [GeneratedBlockKey, ...GeneratedBlockKey[]]) }),
]);
export type Block = z.infer<typeof ZBlock>;

/** `key` names an article across versions (the diff pairs articles by it), so renumbering
 * by inserting an article does not make every later article look changed. */
export const ZArticle = z.strictObject({
  key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and -'),
  heading: ZLocalized(200),
  blocks: z.array(ZBlock).max(60),
});
export type Article = z.infer<typeof ZArticle>;

export const ZPolicyContent = z
  .strictObject({
    title: ZLocalized(200),
    /** articles: 第1条（…）/ Article 1 (…); sections: 1. … */
    numbering: z.enum(['articles', 'sections']),
    preamble: z.array(ZBlock).max(20),
    articles: z.array(ZArticle).max(80),
    closing: z.array(ZBlock).max(20),
  })
  .superRefine((content, ctx) => {
    const seen = new Set<string>();
    content.articles.forEach((a, i) => {
      if (seen.has(a.key)) ctx.addIssue({ code: 'custom', path: ['articles', i, 'key'], message: 'article keys must be unique' });
      seen.add(a.key);
    });
  });
export type PolicyContent = z.infer<typeof ZPolicyContent>;

export const ZEffectiveDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar date');

export type PolicyVersionStatus = 'draft' | 'published';

export interface PolicyVersion {
  id: string;
  kind: PolicyKind;
  number: number;
  status: PolicyVersionStatus;
  effectiveDate: string | null;
  /** What changed, for the revision list (may be empty for the first version). */
  summary: Localized;
  content: PolicyContent;
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
  publishedAt: Date | null;
  publishedBy: string | null;
}

export function isPolicyKind(value: string): value is PolicyKind {
  return (POLICY_KINDS as readonly string[]).includes(value);
}

/** Every generated block a content uses, in order of appearance. */
export function generatedKeysOf(content: PolicyContent): GeneratedBlockKey[] {
  const keys: GeneratedBlockKey[] = [];
  const visit = (blocks: readonly Block[]) => {
    for (const b of blocks) if (b.type === 'generated' && !keys.includes(b.key)) keys.push(b.key);
  };
  visit(content.preamble);
  for (const a of content.articles) visit(a.blocks);
  visit(content.closing);
  return keys;
}
