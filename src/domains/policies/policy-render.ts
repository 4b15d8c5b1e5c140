// Renders a policy document in one language: numbers its articles, items and sub-items, fills
// every generated block from the notice input, and appends the revision history. Pure: the
// same content and input always give the same text. A value the input lacks is rendered as a
// visible placeholder and reported as a gap, which is what publishing checks.
import type { Language } from '../../lib/errors.ts';
import type { SecurityMeasureCategory } from '../organization/organization.ts';
import { REQUEST_TYPE_LABELS, REQUEST_TYPES, type RequestType } from '../organization/request-settings.ts';
import { feeAllowed } from '../organization/request-settings.rules.ts';
import { isBlank, type Localized } from './localized.ts';
import type { NoticeGap, NoticeInput, NoticeItem } from './notice-input.ts';
import type { Block, GeneratedBlockKey, PolicyContent } from './policy.ts';
import {
  articleLabel,
  formatDays,
  formatDocumentCount,
  formatMonths,
  formatTimes,
  formatYen,
  itemLabel,
  joinList,
  notSet,
  subItemLabel,
} from './policy-format.ts';

export interface RenderedSubItem {
  label: string;
  text: string;
}
export interface RenderedItem {
  label: string;
  text: string;
  subItems: RenderedSubItem[];
}
export type RenderedBlock =
  | { type: 'paragraph'; text: string; source: GeneratedBlockKey | null }
  | { type: 'list'; style: 'numbered' | 'bullet'; items: RenderedItem[]; source: GeneratedBlockKey | null };

export interface RenderedArticle {
  key: string;
  number: number;
  /** 第3条 / Article 3 / 3. */
  label: string;
  heading: string;
  blocks: RenderedBlock[];
}

export interface RenderedPolicy {
  language: Language;
  title: string;
  preamble: RenderedBlock[];
  articles: RenderedArticle[];
  closing: RenderedBlock[];
  /** 「2019年4月1日 制定」「2024年10月1日 改定」 / "Established: …", "Revised: …" */
  revisionHistory: string[];
  /** The whole document as plain text, for e-mail, print and comparison. */
  text: string;
  gaps: NoticeGap[];
}

/** Which Art. 32 item each generated block states. */
export const BLOCK_ITEM: Record<GeneratedBlockKey, NoticeItem> = {
  'organization.identity': 'business_identity',
  'organization.request_contact': 'request_procedures',
  'organization.complaint_contact': 'complaint_contact',
  'organization.accredited': 'accredited_organization',
  'purposes.list': 'purposes_of_use',
  'requests.procedures': 'request_procedures',
  'requests.identity_documents': 'request_procedures',
  'requests.fees': 'request_procedures',
  'requests.delivery': 'request_procedures',
  'requests.retention': 'request_procedures',
  'requests.response_time': 'request_procedures',
  'security.measures': 'security_measures',
};

const SECURITY_CATEGORY_LABELS: Record<SecurityMeasureCategory, Localized> = {
  basic_policy: { ja: '基本方針の策定', en: 'Basic policy' },
  rules: { ja: '個人データの取扱いに係る規律の整備', en: 'Rules for handling personal data' },
  organizational: { ja: '組織的安全管理措置', en: 'Organisational measures' },
  human: { ja: '人的安全管理措置', en: 'Human measures' },
  physical: { ja: '物理的安全管理措置', en: 'Physical measures' },
  technical: { ja: '技術的安全管理措置', en: 'Technical measures' },
  external_environment: { ja: '外的環境の把握', en: 'Understanding the external environment' },
};

/** Reads values for one generated block in one language, recording what is missing. */
class Filler {
  readonly gaps: NoticeGap[] = [];
  constructor(
    readonly lang: Language,
    readonly item: NoticeItem,
  ) {}

  gap(field: string, language?: Language): string {
    if (!this.gaps.some((g) => g.field === field && g.language === language)) {
      this.gaps.push(language === undefined ? { item: this.item, field } : { item: this.item, field, language });
    }
    return notSet(this.lang);
  }

  /** The text in this language, or a placeholder and a gap. */
  text(value: Localized | null | undefined, field: string): string {
    if (!value) return this.gap(field);
    const text = value[this.lang];
    return isBlank(text) ? this.gap(field, this.lang) : text.trim();
  }

  /** Text that may be empty without being a gap (opening hours, an officer's name). */
  optional(value: Localized | null | undefined): string {
    return value ? value[this.lang].trim() : '';
  }

  pick(ja: string, en: string): string {
    return this.lang === 'ja' ? ja : en;
  }
}

function paragraph(text: string, source: GeneratedBlockKey): RenderedBlock {
  return { type: 'paragraph', text, source };
}

function list(style: 'numbered' | 'bullet', items: { text: string; subItems?: string[] }[], lang: Language, source: GeneratedBlockKey): RenderedBlock {
  return {
    type: 'list',
    style,
    source,
    items: items.map((it, i) => ({
      label: style === 'numbered' ? itemLabel(i) : '',
      text: it.text,
      subItems: (it.subItems ?? []).map((s, j) => ({ label: style === 'numbered' ? subItemLabel(j, lang) : '', text: s })),
    })),
  };
}

function lines(parts: (string | null)[]): string {
  return parts.filter((p): p is string => p !== null && p !== '').join('\n');
}

function renderIdentity(input: NoticeInput, f: Filler): RenderedBlock[] {
  const org = input.organization;
  if (!org) {
    f.gap('organization');
    return [paragraph(notSet(f.lang), 'organization.identity')];
  }
  const name = f.text(org.name, 'name');
  let address: string;
  if (!org.headOffice) address = f.gap('head_office');
  else {
    const street = f.text(org.headOffice.address, 'head_office.address');
    const postal = isBlank(org.headOffice.postalCode) ? f.gap('head_office.postal_code') : org.headOffice.postalCode;
    address = f.pick(`〒${postal} ${street}`, `${street} ${postal}, Japan`);
  }
  let representative: string;
  if (!org.representative) representative = f.gap('representative');
  else {
    const title = f.text(org.representative.title, 'representative.title');
    const person = f.text(org.representative.name, 'representative.name');
    representative = f.pick(`${title} ${person}`, `${person}, ${title}`);
  }
  return [
    paragraph(
      lines([f.pick(`名称：${name}`, `Name: ${name}`), f.pick(`住所：${address}`, `Address: ${address}`), f.pick(`代表者：${representative}`, `Representative: ${representative}`)]),
      'organization.identity',
    ),
  ];
}

function renderRequestContact(input: NoticeInput, f: Filler): RenderedBlock[] {
  const org = input.organization;
  const contact = org?.requestContact;
  if (!org || !contact) {
    f.gap('request_contact');
    return [paragraph(notSet(f.lang), 'organization.request_contact')];
  }
  let officer: string;
  if (!org.officer) officer = f.gap('officer');
  else {
    const title = f.text(org.officer.title, 'officer.title');
    const person = f.optional(org.officer.name);
    officer = person ? f.pick(`${title} ${person}`, `${person}, ${title}`) : title;
  }
  const desk = f.text(contact.desk, 'request_contact.desk');
  const hours = f.optional(contact.hours);
  let postal: string | null = null;
  if (contact.postal) {
    const street = f.text(contact.postal.address, 'request_contact.postal.address');
    const recipient = f.text(contact.postal.recipient, 'request_contact.postal.recipient');
    const code = contact.postal.postalCode;
    postal = f.pick(`郵送先：〒${code} ${street} ${recipient}宛`, `Postal address: ${recipient}, ${street} ${code}, Japan`);
  }
  return [
    paragraph(
      lines([
        f.pick(`${desk}（個人情報保護管理者：${officer}）`, `${desk} (Personal Information Handling Officer: ${officer})`),
        f.pick(`電子メール：${contact.email}`, `Email: ${contact.email}`),
        contact.phone ? f.pick(`電話：${contact.phone}`, `Telephone: ${contact.phone}`) : null,
        hours ? f.pick(`受付時間：${hours}`, `Hours: ${hours}`) : null,
        postal,
      ]),
      'organization.request_contact',
    ),
  ];
}

function renderComplaintContact(input: NoticeInput, f: Filler): RenderedBlock[] {
  const c = input.organization?.complaintContact;
  if (!c) {
    f.gap('complaint_contact');
    return [paragraph(notSet(f.lang), 'organization.complaint_contact')];
  }
  const desk = f.text(c.desk, 'complaint_contact.desk');
  if (!c.email && !c.phone) f.gap('complaint_contact.email_or_phone');
  const hours = f.optional(c.hours);
  return [
    paragraph(
      lines([
        desk,
        c.email ? f.pick(`電子メール：${c.email}`, `Email: ${c.email}`) : null,
        c.phone ? f.pick(`電話：${c.phone}`, `Telephone: ${c.phone}`) : null,
        hours ? f.pick(`受付時間：${hours}`, `Hours: ${hours}`) : null,
      ]),
      'organization.complaint_contact',
    ),
  ];
}

function renderAccredited(input: NoticeInput, f: Filler): RenderedBlock[] {
  const a = input.organization?.accreditedOrganization;
  if (!a) {
    f.gap('accredited_organization');
    return [paragraph(notSet(f.lang), 'organization.accredited')];
  }
  switch (a.status) {
    case 'none':
      return [
        paragraph(
          f.pick('当社が対象事業者となっている認定個人情報保護団体はありません。', 'We are not a member of any accredited personal information protection organisation.'),
          'organization.accredited',
        ),
      ];
    case 'member': {
      const name = f.text(a.name, 'accredited_organization.name');
      const contact = f.text(a.complaintContact, 'accredited_organization.complaint_contact');
      return [
        paragraph(
          lines([
            f.pick('当社は、次の認定個人情報保護団体の対象事業者です。', 'We are a member of the following accredited personal information protection organisation.'),
            f.pick(`名称：${name}`, `Name: ${name}`),
            f.pick(`苦情の解決の申出先：${contact}`, `Where to complain: ${contact}`),
          ]),
          'organization.accredited',
        ),
      ];
    }
  }
}

function renderPurposes(input: NoticeInput, f: Filler): RenderedBlock[] {
  if (input.purposes.length === 0) {
    f.gap('purposes');
    return [paragraph(notSet(f.lang), 'purposes.list')];
  }
  return [
    list(
      'numbered',
      input.purposes.map((p) => {
        const title = f.text(p.title, `purposes.${p.code}.title`);
        const consent = p.basis === 'consent' ? f.pick('（ご本人の同意をいただいた場合に限ります）', ' (only with your consent)') : '';
        const hasDescription = !isBlank(p.description.ja) || !isBlank(p.description.en);
        const description = hasDescription ? f.text(p.description, `purposes.${p.code}.description`) : null;
        return { text: `${title}${consent}`, subItems: description ? [description] : [] };
      }),
      f.lang,
      'purposes.list',
    ),
  ];
}

function renderProcedures(input: NoticeInput, f: Filler): RenderedBlock[] {
  const contact = input.organization?.requestContact;
  const intro = f.pick(
    '当社が保有する個人データについて、ご本人または代理人から次のご請求を受け付けます。',
    'We accept the following requests about the personal data we hold, from you or from your agent.',
  );
  const kinds = list('numbered', REQUEST_TYPES.map((t) => ({ text: capitalise(REQUEST_TYPE_LABELS[t][f.lang], f.lang) })), f.lang, 'requests.procedures');
  let how: string;
  if (!contact) how = f.gap('request_contact');
  else {
    const desk = f.text(contact.desk, 'request_contact.desk');
    how = f.pick(
      `ご請求は、所定の請求書に本人確認書類を添えて、${desk}（${contact.email}）まで電子メールでお送りください。` +
        (contact.postal ? '原本の提出が必要な書類は、郵送で受け付けます。' : ''),
      `Send your request on our request form, with your identity documents, by email to our ${desk} (${contact.email}).` +
        (contact.postal ? ' Documents that must be sent as originals are accepted by post.' : ''),
    );
  }
  return [paragraph(intro, 'requests.procedures'), kinds, paragraph(how, 'requests.procedures')];
}

function capitalise(text: string, lang: Language): string {
  return lang === 'en' && text.length > 0 ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

function documentLines(docs: { label: Localized; caution: Localized }[], f: Filler, field: string): string[] {
  return docs.map((d, i) => {
    const label = f.text(d.label, `${field}.${i}.label`);
    const hasCaution = !isBlank(d.caution.ja) || !isBlank(d.caution.en);
    if (!hasCaution) return label;
    const caution = f.text(d.caution, `${field}.${i}.caution`);
    return f.pick(`${label}\u3000※${caution}`, `${label} — ${caution}`);
  });
}

function renderIdentityDocuments(input: NoticeInput, f: Filler): RenderedBlock[] {
  const rule = input.settings.identity;
  if (rule.photoDocuments.length === 0 && rule.nonPhotoDocuments.length === 0) {
    f.gap('identity_documents');
    return [paragraph(notSet(f.lang), 'requests.identity_documents')];
  }
  const groups: { text: string; subItems: string[] }[] = [];
  if (rule.photoDocuments.length > 0) {
    const n = formatDocumentCount(rule.photoDocumentsRequired, f.lang);
    groups.push({
      text: f.pick(`顔写真付きの公的書類（${n}でご本人確認ができるもの）`, `Official documents with your photograph (${n} is enough)`),
      subItems: documentLines(rule.photoDocuments, f, 'identity.photo_documents'),
    });
  }
  if (rule.nonPhotoDocuments.length > 0) {
    const n = formatDocumentCount(rule.nonPhotoDocumentsRequired, f.lang);
    groups.push({
      text: f.pick(`顔写真のない書類（異なる種類のものを${n}お送りください）`, `Documents without a photograph (send ${n} of different kinds)`),
      subItems: documentLines(rule.nonPhotoDocuments, f, 'identity.non_photo_documents'),
    });
  }
  const blocks: RenderedBlock[] = [
    paragraph(
      f.pick('ご本人確認のため、次のいずれかの書類の写しをお送りください。', 'To confirm your identity, send copies of documents from one of the following groups.'),
      'requests.identity_documents',
    ),
    list('bullet', groups, f.lang, 'requests.identity_documents'),
  ];
  const agents: { text: string; subItems: string[] }[] = [];
  if (rule.statutoryAgentDocuments.length > 0) {
    agents.push({
      text: f.pick('未成年者または成年被後見人の法定代理人：次のいずれか1点', 'The statutory agent of a minor or of an adult ward: one of the following'),
      subItems: documentLines(rule.statutoryAgentDocuments, f, 'identity.statutory_agent_documents'),
    });
  }
  if (rule.appointedAgentDocuments.length > 0) {
    agents.push({
      text: f.pick('ご本人から委任を受けた代理人：次のすべて', 'An agent appointed by you: all of the following'),
      subItems: documentLines(rule.appointedAgentDocuments, f, 'identity.appointed_agent_documents'),
    });
  }
  if (agents.length > 0) {
    blocks.push(
      paragraph(
        rule.agentIdentityRequired
          ? f.pick(
              '代理人がご請求になる場合は、代理人ご本人の本人確認書類（上記と同じ基準）に加えて、代理権を確認するために次の書類をお送りください。',
              "If an agent makes the request, the agent sends their own identity documents (by the same rule as above) and, to show their authority, the following documents.",
            )
          : f.pick('代理人がご請求になる場合は、代理権を確認するために次の書類をお送りください。', 'If an agent makes the request, the agent sends the following documents to show their authority.'),
        'requests.identity_documents',
      ),
      list('bullet', agents, f.lang, 'requests.identity_documents'),
    );
  }
  return blocks;
}

function renderFees(input: NoticeInput, f: Filler): RenderedBlock[] {
  const fees = input.settings.fees;
  const byAmount = new Map<number, RequestType[]>();
  for (const t of REQUEST_TYPES) {
    if (!feeAllowed(t)) continue;
    const amount = fees.perRequest[t];
    byAmount.set(amount, [...(byAmount.get(amount) ?? []), t]);
  }
  const items: { text: string }[] = [];
  for (const [amount, types] of byAmount) {
    const names = joinList(types.map((t) => REQUEST_TYPE_LABELS[t][f.lang]), f.lang);
    items.push({
      text:
        amount > 0
          ? f.pick(`${names}：1回のご請求につき${formatYen(amount, 'ja')}`, `${capitalise(names, 'en')}: ${formatYen(amount, 'en')} per request`)
          : f.pick(`${names}：無料`, `${capitalise(names, 'en')}: free of charge`),
    });
  }
  const free = REQUEST_TYPES.filter((t) => !feeAllowed(t));
  const freeNames = joinList(free.map((t) => REQUEST_TYPE_LABELS[t][f.lang]), f.lang);
  items.push({ text: f.pick(`${freeNames}：手数料はいただきません`, `${capitalise(freeNames, 'en')}: no fee`) });

  const extras: string[] = [];
  if (fees.paperDeliveryYen === null) {
    extras.push(f.pick('書面での交付をご希望の場合は、印刷・郵送にかかる実費を別途いただきます。', 'If you ask for disclosure on paper, we charge the actual cost of printing and postage in addition.'));
  } else if (fees.paperDeliveryYen > 0) {
    extras.push(
      f.pick(
        `書面での交付をご希望の場合は、印刷・郵送の費用として別途${formatYen(fees.paperDeliveryYen, 'ja')}をいただきます。`,
        `If you ask for disclosure on paper, we charge ${formatYen(fees.paperDeliveryYen, 'en')} in addition for printing and postage.`,
      ),
    );
  }
  if (fees.specialMethodAtCost) {
    extras.push(
      f.pick(
        '特別な方法による開示や通知をご希望の場合は、その方法にかかる実費を別途いただくことがあります。',
        'If you ask for a special method of disclosure or notification, we may charge its actual cost in addition.',
      ),
    );
  }
  const anyFee = REQUEST_TYPES.some((t) => fees.perRequest[t] > 0);
  if (anyFee) {
    extras.push(
      f.pick(
        '手数料が必要な場合は、ご請求を受け付けた後に金額と銀行振込の振込先をお知らせします。お振込みを確認してから手続きを進めます。振込手数料はご負担ください。',
        'Where a fee applies, we tell you the amount and our bank-transfer details after we receive your request, and we proceed once the payment has arrived. Transfer charges are yours to bear.',
      ),
    );
  }
  return [
    paragraph(f.pick('手数料は次のとおりです。', 'The fees are as follows.'), 'requests.fees'),
    list('bullet', items, f.lang, 'requests.fees'),
    ...extras.map((e) => paragraph(e, 'requests.fees')),
  ];
}

function renderDelivery(input: NoticeInput, f: Filler): RenderedBlock[] {
  const d = input.settings.delivery;
  return [
    paragraph(
      f.pick(
        `開示は、原則として電子的な方法で行います。ご請求の際にお知らせいただいたメールアドレスに、データを受け取るためのリンクをお送りします。リンクの有効期間は${formatDays(d.downloadLinkDays, 'ja')}、ダウンロードできる回数は${formatTimes(d.maxDownloads, 'ja')}までです。書面での交付をご希望の場合は、ご請求の際にお申し出ください。`,
        `We disclose electronically as a rule: we send a link for downloading the data to the email address you gave in your request. The link works for ${formatDays(d.downloadLinkDays, 'en')} and for up to ${d.maxDownloads} download${d.maxDownloads === 1 ? '' : 's'}. If you would rather receive paper, say so in your request.`,
      ),
      'requests.delivery',
    ),
  ];
}

function renderRetention(input: NoticeInput, f: Filler): RenderedBlock[] {
  const period = formatMonths(input.settings.documentRetentionMonths, f.lang);
  return [
    paragraph(
      f.pick(
        `ご請求の際にご提出いただいた書類は、ご請求への対応が完了した日から${period}保管した後、廃棄します。`,
        `We keep the documents you submit with a request for ${period} after we have finished handling the request, and then destroy them.`,
      ),
      'requests.retention',
    ),
  ];
}

function renderResponseTime(input: NoticeInput, f: Filler): RenderedBlock[] {
  const days = input.settings.deadlines.targetDays;
  return [
    paragraph(
      f.pick(
        `必要な書類（手数料が必要な場合はそのお支払いを含みます）を確認した日から、原則として${formatDays(days, 'ja')}以内に回答します。`,
        `We aim to answer within ${formatDays(days, 'en')} after we have received everything we need, including the fee where one applies.`,
      ),
      'requests.response_time',
    ),
  ];
}

function renderSecurity(input: NoticeInput, f: Filler): RenderedBlock[] {
  if (input.securityMeasures.length === 0) f.gap('security_measures');
  const groups = new Map<SecurityMeasureCategory, string[]>();
  input.securityMeasures.forEach((m, i) => {
    groups.set(m.category, [...(groups.get(m.category) ?? []), f.text(m.text, `security_measures.${i}`)]);
  });
  let abroadParagraph: string | null = null;
  if (input.foreignCountries === null) {
    abroadParagraph = f.pick(`外国における取扱い：${f.gap('foreign_countries')}`, `Handling abroad: ${f.gap('foreign_countries')}`);
  } else if (input.foreignCountries.length === 0) {
    abroadParagraph = f.pick('当社は、保有個人データを外国において取り扱っていません。', 'We do not handle retained personal data in any foreign country.');
  } else {
    const abroad = input.foreignCountries.map((c) => {
      const name = f.text(c.name, `foreign_countries.${c.code}.name`);
      const measures = f.text(c.measures, `foreign_countries.${c.code}.measures`);
      return f.pick(`${name}：${measures}`, `${name}: ${measures}`);
    });
    groups.set('external_environment', [...(groups.get('external_environment') ?? []), ...abroad]);
  }
  const order: SecurityMeasureCategory[] = ['basic_policy', 'rules', 'organizational', 'human', 'physical', 'technical', 'external_environment'];
  const items = order
    .filter((c) => groups.has(c))
    .map((c) => ({ text: SECURITY_CATEGORY_LABELS[c][f.lang], subItems: groups.get(c) ?? [] }));
  const blocks: RenderedBlock[] = [];
  if (input.securityMeasures.length === 0) blocks.push(paragraph(notSet(f.lang), 'security.measures'));
  if (items.length > 0) blocks.push(list('numbered', items, f.lang, 'security.measures'));
  if (abroadParagraph) blocks.push(paragraph(abroadParagraph, 'security.measures'));
  return blocks;
}

const RENDERERS: Record<GeneratedBlockKey, (input: NoticeInput, f: Filler) => RenderedBlock[]> = {
  'organization.identity': renderIdentity,
  'organization.request_contact': renderRequestContact,
  'organization.complaint_contact': renderComplaintContact,
  'organization.accredited': renderAccredited,
  'purposes.list': renderPurposes,
  'requests.procedures': renderProcedures,
  'requests.identity_documents': renderIdentityDocuments,
  'requests.fees': renderFees,
  'requests.delivery': renderDelivery,
  'requests.retention': renderRetention,
  'requests.response_time': renderResponseTime,
  'security.measures': renderSecurity,
};

/** One generated block in one language, with what it could not fill. */
export function renderGeneratedBlock(key: GeneratedBlockKey, input: NoticeInput, lang: Language): { blocks: RenderedBlock[]; gaps: NoticeGap[] } {
  const filler = new Filler(lang, BLOCK_ITEM[key]);
  const blocks = RENDERERS[key](input, filler);
  return { blocks, gaps: filler.gaps };
}

function renderBlocks(blocks: readonly Block[], input: NoticeInput, lang: Language, gaps: NoticeGap[]): RenderedBlock[] {
  const out: RenderedBlock[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case 'paragraph':
        out.push({ type: 'paragraph', text: b.text[lang], source: null });
        break;
      case 'list':
        out.push({
          type: 'list',
          style: b.style,
          source: null,
          items: b.items.map((it, i) => ({
            label: b.style === 'numbered' ? itemLabel(i) : '',
            text: it.text[lang],
            subItems: it.subItems.map((s, j) => ({ label: b.style === 'numbered' ? subItemLabel(j, lang) : '', text: s.text[lang] })),
          })),
        });
        break;
      case 'generated': {
        const r = renderGeneratedBlock(b.key, input, lang);
        out.push(...r.blocks);
        for (const g of r.gaps) if (!gaps.some((x) => sameGap(x, g))) gaps.push(g);
        break;
      }
    }
  }
  return out;
}

function sameGap(a: NoticeGap, b: NoticeGap): boolean {
  return a.item === b.item && a.field === b.field && a.language === b.language;
}

export function renderPolicy(content: PolicyContent, input: NoticeInput, lang: Language, revisionHistory: string[]): RenderedPolicy {
  const gaps: NoticeGap[] = [];
  const preamble = renderBlocks(content.preamble, input, lang, gaps);
  const articles = content.articles.map((a, i) => ({
    key: a.key,
    number: i + 1,
    label: articleLabel(i + 1, content.numbering, lang),
    heading: a.heading[lang],
    blocks: renderBlocks(a.blocks, input, lang, gaps),
  }));
  const closing = renderBlocks(content.closing, input, lang, gaps);
  const rendered = { language: lang, title: content.title[lang], preamble, articles, closing, revisionHistory, gaps };
  return { ...rendered, text: policyText(rendered, content.numbering) };
}

function blockText(b: RenderedBlock, indent: string, lang: Language): string {
  if (b.type === 'paragraph') return b.text.split('\n').map((l) => indent + l).join('\n');
  const bullet = lang === 'ja' ? '・' : '•';
  return b.items
    .map((it) => {
      const head = `${indent}${it.label || bullet} ${it.text}`;
      const subs = it.subItems.map((s) => `${indent}    ${s.label || '-'} ${s.text}`);
      return [head, ...subs].join('\n');
    })
    .join('\n');
}

function policyText(doc: Omit<RenderedPolicy, 'text'>, numbering: 'articles' | 'sections'): string {
  const out: string[] = [doc.title, ''];
  for (const b of doc.preamble) out.push(blockText(b, '', doc.language), '');
  for (const a of doc.articles) {
    const heading =
      numbering === 'articles'
        ? doc.language === 'ja'
          ? `${a.label}（${a.heading}）`
          : `${a.label} (${a.heading})`
        : `${a.label} ${a.heading}`;
    out.push(heading);
    for (const b of a.blocks) out.push(blockText(b, '  ', doc.language));
    out.push('');
  }
  for (const b of doc.closing) out.push(blockText(b, '', doc.language), '');
  out.push(...doc.revisionHistory);
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
