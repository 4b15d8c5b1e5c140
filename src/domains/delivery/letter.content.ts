// The words of the letter that answers a request: who writes to whom, what was decided, what is
// withheld and why (the reason, its legal ground and the office's explanation), how the answer
// reaches the person, the fee, and where to ask questions. It is a plain structure, so the PDF
// renderer, the HTML summary of a package and tests all read the same letter, in Japanese (a
// formal letter in plain polite style, addressed 「〇〇 様」) or English.
import type { Language } from '../../lib/errors.ts';
import type { OrganizationProfile } from '../organization/organization.ts';
import { REQUEST_TYPE_LABELS } from '../organization/request-settings.ts';
import type { Localized } from '../policies/localized.ts';
import { decisionReason, isDisclosureType, type DecisionReasonCode } from '../requests/decision.rules.ts';
import type { DecisionOutcome, DeliveryMethod, RequestType } from '../requests/request.ts';

export interface LetterTable {
  title: string;
  columns: string[];
  rows: string[][];
  /** Relative column widths; equal when absent. */
  widths?: number[];
}

export type LetterBlock =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string }
  /** Label and value pairs (記 section of a Japanese letter). */
  | { kind: 'fields'; fields: { label: string; value: string }[] }
  | { kind: 'table'; table: LetterTable };

export interface DecisionLetter {
  language: Language;
  title: string;
  /** The letter's date, formatted. */
  date: string;
  /** The same date as an instant (the PDF's creation date). */
  issuedAt: Date;
  /** "受付番号：R-…", shown under the date. */
  reference: string;
  /** Lines of the addressee (the requester; an agent on behalf of the person). */
  addressee: string[];
  /** Lines of the sender: the business, its address, the officer answering. */
  sender: string[];
  /** The opening line of an English letter ("Dear …,"); Japanese letters open with the addressee. */
  salutation: string | null;
  blocks: LetterBlock[];
  /** 「以上」 in Japanese; the English letter ends with its last block. */
  closing: string | null;
}

export interface LetterWithheldPart {
  part: string;
  reason: DecisionReasonCode;
  explanation: string;
}

export interface DecisionLetterInput {
  language: Language;
  organization: Pick<OrganizationProfile, 'name' | 'headOffice' | 'officer' | 'requestContact'>;
  request: { reference: string; type: RequestType; receivedAt: Date; deliveryMethod: DeliveryMethod };
  /** From the request's subject: the person, and the agent who asked for them, if any. */
  addressee: { name: string; agentName?: string | null };
  decision: {
    outcome: DecisionOutcome;
    withheld: readonly LetterWithheldPart[];
    reason: DecisionReasonCode | null;
    explanation: string | null;
    details: string | null;
  };
  /** The fee settled for the request, when one applied. */
  fee: { status: 'paid' | 'waived'; amountYen: number } | null;
  date: Date;
}

const OFFICER_FALLBACK: Localized = { ja: '個人情報保護管理者', en: 'Personal Information Handling Officer' };

/** The side in `language`, else the other one: an English letter still names a business that
 * has only a Japanese name. */
function pick(text: Localized, language: Language): string {
  const own = text[language].trim();
  return own !== '' ? own : (language === 'ja' ? text.en : text.ja).trim();
}

export function formatLetterDate(at: Date, language: Language): string {
  return new Intl.DateTimeFormat(language === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).format(at);
}

export function formatYen(amount: number, language: Language): string {
  const digits = new Intl.NumberFormat('en-US').format(amount);
  return language === 'ja' ? `${digits}円` : `¥${digits}`;
}

function senderLines(org: DecisionLetterInput['organization'], language: Language): string[] {
  const lines = [pick(org.name, language)];
  if (org.headOffice) {
    const address = pick(org.headOffice.address, language);
    const postal = org.headOffice.postalCode.trim();
    if (address !== '') lines.push(language === 'ja' ? `${postal ? `〒${postal} ` : ''}${address}` : `${address}${postal ? ` ${postal}` : ''}`);
  }
  const title = org.officer ? pick(org.officer.title, language) : '';
  const name = org.officer ? pick(org.officer.name, language) : '';
  lines.push([title || pick(OFFICER_FALLBACK, language), name].filter((s) => s !== '').join(language === 'ja' ? '　' : ' '));
  return lines;
}

function contactBlocks(org: DecisionLetterInput['organization'], language: Language): LetterBlock[] {
  const ja = language === 'ja';
  const blocks: LetterBlock[] = [
    { kind: 'heading', text: ja ? 'お問い合わせ先' : 'Questions' },
    {
      kind: 'paragraph',
      text: ja
        ? 'この回答の内容についてご不明な点がございましたら、受付番号を添えて下記の窓口までお問い合わせください。'
        : 'If anything in this answer is unclear, contact us at the desk below and quote the reference number.',
    },
  ];
  const c = org.requestContact;
  if (!c) {
    blocks.push({ kind: 'fields', fields: [{ label: ja ? '窓口' : 'Desk', value: `${pick(org.name, language)} ${pick(OFFICER_FALLBACK, language)}` }] });
    return blocks;
  }
  const fields = [
    { label: ja ? '窓口' : 'Desk', value: pick(c.desk, language) || pick(OFFICER_FALLBACK, language) },
    { label: ja ? 'メールアドレス' : 'Email', value: c.email },
  ];
  if (c.phone) fields.push({ label: ja ? '電話番号' : 'Telephone', value: c.phone });
  const hours = pick(c.hours, language);
  if (hours !== '') fields.push({ label: ja ? '受付時間' : 'Hours', value: hours });
  if (c.postal) {
    const address = pick(c.postal.address, language);
    const recipient = pick(c.postal.recipient, language);
    const postal = c.postal.postalCode.trim();
    const lines = ja ? [`${postal ? `〒${postal} ` : ''}${address}`, recipient] : [address + (postal ? ` ${postal}` : ''), recipient];
    fields.push({ label: ja ? '郵送先' : 'By post', value: lines.filter((l) => l.trim() !== '').join('\n') });
  }
  blocks.push({ kind: 'fields', fields });
  return blocks;
}

function reasonFields(code: DecisionReasonCode, explanation: string | null, language: Language): { label: string; value: string }[] {
  const ja = language === 'ja';
  const reason = decisionReason(code);
  const fields = [
    { label: ja ? '理由' : 'Reason', value: pick(reason.label, language) },
    { label: ja ? '根拠となる規定' : 'Legal ground', value: pick(reason.legalGround, language) },
  ];
  if (explanation && explanation.trim() !== '') fields.push({ label: ja ? 'ご説明' : 'Explanation', value: explanation.trim() });
  return fields;
}

/** The table of withheld parts: part, reason, legal ground, explanation. */
export function withheldTable(parts: readonly LetterWithheldPart[], language: Language): LetterTable {
  const ja = language === 'ja';
  return {
    title: ja ? '開示しない部分とその理由' : 'What is withheld, and why',
    columns: ja ? ['開示しない部分', '理由', '根拠となる規定', 'ご説明'] : ['Withheld part', 'Reason', 'Legal ground', 'Explanation'],
    widths: [22, 32, 16, 30],
    rows: parts.map((p) => {
      const reason = decisionReason(p.reason);
      return [p.part.trim(), pick(reason.label, language), pick(reason.legalGround, language), p.explanation.trim()];
    }),
  };
}

interface Wording {
  /** What was asked for, as the object of the sentence. */
  object: string;
  /** 開示 / 通知; disclose / notify. */
  verb: string;
}

function disclosureWording(type: RequestType, language: Language): Wording {
  const ja = language === 'ja';
  switch (type) {
    case 'purpose_notification':
      return ja ? { object: '保有個人データの利用目的', verb: '通知' } : { object: 'the purposes for which we use your retained personal data', verb: 'notify' };
    case 'provision_record_disclosure':
      return ja ? { object: '第三者提供記録', verb: '開示' } : { object: 'the records of provision to third parties', verb: 'disclose' };
    default:
      return ja ? { object: '保有個人データ', verb: '開示' } : { object: 'your retained personal data', verb: 'disclose' };
  }
}

function outcomeBlocks(input: DecisionLetterInput): LetterBlock[] {
  const { language, decision, request } = input;
  const ja = language === 'ja';
  const blocks: LetterBlock[] = [{ kind: 'heading', text: ja ? '回答の内容' : 'Our answer' }];
  const label = pick(REQUEST_TYPE_LABELS[request.type], language);
  const w = disclosureWording(request.type, language);
  const delivery =
    request.deliveryMethod === 'paper'
      ? ja
        ? `${w.verb}する内容は、本書に添付した別紙のとおりです。`
        : `What we ${w.verb} is set out in the appendix to this letter.`
      : ja
        ? `${w.verb}する内容は、ご登録のメールアドレスに別途お送りするダウンロード用のリンクからお受け取りください。`
        : `You can download what we ${w.verb} from the link we send separately to your registered email address.`;
  const reasonOf = () => (decision.reason ? [{ kind: 'fields', fields: reasonFields(decision.reason, decision.explanation, language) } as LetterBlock] : []);
  const details = decision.details?.trim() ?? '';

  switch (decision.outcome) {
    case 'full':
      blocks.push({ kind: 'paragraph', text: ja ? `ご請求いただいた${w.object}を、すべて${w.verb}いたします。` : `We ${w.verb} ${w.object} in full, as you asked.` });
      blocks.push({ kind: 'paragraph', text: delivery });
      break;
    case 'partial':
      blocks.push({
        kind: 'paragraph',
        text: ja
          ? `ご請求いただいた${w.object}のうち、下表の部分を除いて${w.verb}いたします。下表の部分は、それぞれに記載した理由により${w.verb}いたしません。`
          : `We ${w.verb} ${w.object}, except for the parts listed in the table below, which we do not ${w.verb} for the reason given for each.`,
      });
      blocks.push({ kind: 'paragraph', text: delivery });
      blocks.push({ kind: 'table', table: withheldTable(decision.withheld, language) });
      break;
    case 'none':
      blocks.push({
        kind: 'paragraph',
        text: ja ? `ご請求いただいた${w.object}は、次の理由により${w.verb}いたしません。` : `We do not ${w.verb} ${w.object}, for the reason below.`,
      });
      blocks.push(...reasonOf());
      break;
    case 'done':
      blocks.push({ kind: 'paragraph', text: ja ? `ご請求いただいた${label}を、次のとおり行いました。` : `We carried out the ${label} you asked for, as follows.` });
      blocks.push({ kind: 'fields', fields: [{ label: ja ? '行った内容' : 'What we did', value: details }] });
      break;
    case 'not_done':
      blocks.push({ kind: 'paragraph', text: ja ? `ご請求いただいた${label}は、次の理由により行わないことといたしました。` : `We have decided not to carry out the ${label} you asked for, for the reason below.` });
      blocks.push(...reasonOf());
      break;
    case 'alternative':
      blocks.push({ kind: 'paragraph', text: ja ? `ご請求いただいた${label}に代えて、次の措置をとりました。` : `Instead of the ${label} you asked for, we took the measure below.` });
      blocks.push({ kind: 'fields', fields: [{ label: ja ? 'とった措置' : 'Measure taken', value: details }, ...reasonFields(decision.reason ?? 'measure_difficult', decision.explanation, language)] });
      break;
  }
  // A disclosure or a refused measure may carry a note from the office.
  if (details !== '' && (isDisclosureType(request.type) || decision.outcome === 'not_done')) {
    blocks.push({ kind: 'heading', text: ja ? '補足' : 'Note' }, { kind: 'paragraph', text: details });
  }
  return blocks;
}

function feeBlocks(fee: DecisionLetterInput['fee'], language: Language): LetterBlock[] {
  if (!fee) return [];
  const ja = language === 'ja';
  const amount = formatYen(fee.amountYen, language);
  const text =
    fee.status === 'paid'
      ? ja
        ? `このご請求の手数料${amount}を受領いたしました。`
        : `We received the fee of ${amount} for this request.`
      : ja
        ? 'このご請求の手数料は免除いたしました。'
        : 'The fee for this request was waived.';
  return [{ kind: 'heading', text: ja ? '手数料' : 'Fee' }, { kind: 'paragraph', text }];
}

/** The letter answering a request, in the request's language. */
export function composeDecisionLetter(input: DecisionLetterInput): DecisionLetter {
  const { language, request, addressee } = input;
  const ja = language === 'ja';
  const label = pick(REQUEST_TYPE_LABELS[request.type], language);
  const name = addressee.name.trim();
  const agent = addressee.agentName?.trim() ?? '';
  const received = formatLetterDate(request.receivedAt, language);

  const addresseeLines = agent
    ? ja
      ? [`${agent} 様`, `（${name} 様の代理人）`]
      : [agent, `Agent for ${name}`]
    : ja
      ? [`${name} 様`]
      : [name];

  const intro: LetterBlock = {
    kind: 'paragraph',
    text: ja
      ? `平素より格別のご高配を賜り、厚く御礼申し上げます。\n${received}に受け付けました${label}のご請求（受付番号 ${request.reference}）について、次のとおりご回答いたします。`
      : `Thank you for your request for ${label}, which we received on ${received} (reference ${request.reference}). This letter gives our answer.`,
  };

  return {
    language,
    title: ja ? `${label}のご請求に対するご回答` : `Our answer to your request for ${label}`,
    date: formatLetterDate(input.date, language),
    issuedAt: input.date,
    reference: ja ? `受付番号：${request.reference}` : `Reference: ${request.reference}`,
    addressee: addresseeLines,
    sender: senderLines(input.organization, language),
    salutation: ja ? null : `Dear ${agent || name},`,
    blocks: [intro, ...outcomeBlocks(input), ...feeBlocks(input.fee, language), ...contactBlocks(input.organization, language)],
    closing: ja ? '以上' : null,
  };
}

/** Every piece of text of a letter, in reading order (tests and the HTML summary read this). */
export function letterText(letter: DecisionLetter): string[] {
  const out = [letter.date, letter.reference, ...letter.addressee, ...letter.sender, letter.title];
  if (letter.salutation) out.push(letter.salutation);
  for (const b of letter.blocks) {
    switch (b.kind) {
      case 'heading':
      case 'paragraph':
        out.push(b.text);
        break;
      case 'fields':
        for (const f of b.fields) out.push(f.label, f.value);
        break;
      case 'table':
        out.push(b.table.title, ...b.table.columns, ...b.table.rows.flat());
        break;
    }
  }
  if (letter.closing) out.push(letter.closing);
  return out;
}
