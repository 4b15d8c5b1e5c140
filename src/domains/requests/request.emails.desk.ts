// Request-desk emails of the staff side: what the requester must know while the office works
// the request (documents needed, the fee and its receipt, a message from the office, a file
// destroyed because it showed an Individual Number, the request closed and why), and the
// reminders to staff before the target day and at escalation. Mails to the requester carry the
// reference, never the person's name or details; staff mails carry the reference and a link.
import { z } from 'zod';
import { formatDateTime } from '../mail/mail.render.ts';
import { defineEmailTemplate, staffSignature, ZEmailLine, ZEmailUrl } from '../mail/mail.template-kit.ts';
import { REQUEST_TYPE_LABELS, ZBankTransfer, type BankTransfer } from '../organization/request-settings.ts';
import { CLOSURE_REASONS, REQUEST_TYPES, WITHHOLDING_REASONS, type ClosureReason } from './request.ts';
import type { Localized } from '../policies/localized.ts';

/** Free text written by staff for the requester: several lines, bounded, no control characters. */
const ZEmailText = z
  .string()
  .trim()
  .min(1)
  .max(4000)
  .regex(/^[^\p{Cc}]*(?:\r?\n[^\p{Cc}]*)*$/u, 'no control characters other than line breaks');

const ZYen = z.number().int().min(0).max(1_000_000);

const CLOSURE_LABELS: Record<ClosureReason, { label: Localized; legalGround: Localized | null }> = {
  identity_unconfirmed: WITHHOLDING_REASONS.identity_unconfirmed,
  agent_authority_unconfirmed: WITHHOLDING_REASONS.agent_authority_unconfirmed,
  documents_incomplete: WITHHOLDING_REASONS.documents_incomplete,
  fee_unpaid: WITHHOLDING_REASONS.fee_unpaid,
  email_not_verified: {
    label: { ja: 'メールアドレスの確認が期限内に完了しなかった場合', en: 'The email address was not verified in time' },
    legalGround: null,
  },
};

function yen(amount: number, language: 'ja' | 'en'): string {
  return language === 'ja' ? `${amount.toLocaleString('ja-JP')}円` : `¥${amount.toLocaleString('en-US')}`;
}

function bankLines(bank: BankTransfer, language: 'ja' | 'en'): string[] {
  const type = language === 'ja' ? (bank.accountType === 'ordinary' ? '普通' : '当座') : bank.accountType === 'ordinary' ? 'Ordinary' : 'Checking';
  return language === 'ja'
    ? [`金融機関：${bank.bankName.ja}`, `支店：${bank.branchName.ja}`, `口座種別：${type}`, `口座番号：${bank.accountNumber}`, `口座名義：${bank.accountHolder.ja}`]
    : [`Bank: ${bank.bankName.en}`, `Branch: ${bank.branchName.en}`, `Account type: ${type}`, `Account number: ${bank.accountNumber}`, `Account holder: ${bank.accountHolder.en}`];
}

const REQUESTER_NOTE = {
  ja: 'このメールは、当社に個人情報の開示等のご請求をされた方にお送りしています。お心当たりのない場合は、このメールを破棄してください。',
  en: 'You receive this email because you made a request about personal information to us. If you did not, please delete this email.',
};

export const DESK_EMAIL_TEMPLATES = {
  'request.documents_needed': defineEmailTemplate({
    variables: { reference: ZEmailLine, message: ZEmailText, replyDueAt: z.date() },
    ja: (v) => ({
      subject: `【${v.organizationName}】書類の追加提出のお願い（受付番号 ${v.reference}）`,
      blocks: [
        { kind: 'paragraph', text: `受付番号 ${v.reference} のご請求について、ご本人確認のため、書類を追加でご提出いただく必要があります。担当者からのご案内は次のとおりです。` },
        { kind: 'paragraph', text: v.message },
        {
          kind: 'paragraph',
          text: `${formatDateTime(v.replyDueAt, 'ja')}までに、ご請求の際にご案内した方法でご提出ください。期限までにご提出いただけない場合は、申請書類の不備により、ご請求への対応を終了させていただきます。`,
        },
        { kind: 'note', text: REQUESTER_NOTE.ja },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] Please send further documents (reference ${v.reference})`,
      blocks: [
        { kind: 'paragraph', text: `To confirm your identity for request ${v.reference}, we need further documents from you. Our staff wrote:` },
        { kind: 'paragraph', text: v.message },
        {
          kind: 'paragraph',
          text: `Please send them the way we explained when you made the request, by ${formatDateTime(v.replyDueAt, 'en')}. If they do not reach us by then, we will close the request because the documents are incomplete.`,
        },
        { kind: 'note', text: REQUESTER_NOTE.en },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'request.fee_required': defineEmailTemplate({
    variables: {
      reference: ZEmailLine,
      totalYen: ZYen,
      baseYen: ZYen,
      paperYen: ZYen.default(0),
      extraYen: ZYen.default(0),
      replyDueAt: z.date(),
      bankTransfer: ZBankTransfer.nullable(),
    },
    ja: (v) => ({
      subject: `【${v.organizationName}】手数料のお支払いのお願い（受付番号 ${v.reference}）`,
      blocks: [
        { kind: 'paragraph', text: `受付番号 ${v.reference} のご請求について、ご本人確認が完了しました。ご請求への対応には、次の手数料のお支払いが必要です（個人情報保護法第38条）。` },
        {
          kind: 'list',
          items: [
            `手数料：${yen(v.baseYen, 'ja')}`,
            ...(v.paperYen > 0 ? [`書面でのお届けにかかる費用：${yen(v.paperYen, 'ja')}`] : []),
            ...(v.extraYen > 0 ? [`郵送等の実費：${yen(v.extraYen, 'ja')}`] : []),
            `合計：${yen(v.totalYen, 'ja')}`,
          ],
        },
        v.bankTransfer
          ? { kind: 'list', items: bankLines(v.bankTransfer, 'ja') }
          : { kind: 'paragraph', text: 'お支払いの方法は、担当者から別途ご案内します。' },
        ...(v.bankTransfer
          ? [{ kind: 'paragraph' as const, text: `お振込みの際は、振込依頼人名の前に受付番号（${v.reference}）をご入力ください。` }]
          : []),
        {
          kind: 'paragraph',
          text: `${formatDateTime(v.replyDueAt, 'ja')}までにお支払いください。期限までにお支払いが確認できない場合は、所定の手数料が支払われなかったものとして、ご請求への対応を終了させていただきます。`,
        },
        { kind: 'note', text: REQUESTER_NOTE.ja },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] Please pay the fee for your request (reference ${v.reference})`,
      blocks: [
        { kind: 'paragraph', text: `We have confirmed your identity for request ${v.reference}. Before we can answer it, the following fee must be paid (APPI Art. 38).` },
        {
          kind: 'list',
          items: [
            `Fee: ${yen(v.baseYen, 'en')}`,
            ...(v.paperYen > 0 ? [`Delivery on paper: ${yen(v.paperYen, 'en')}`] : []),
            ...(v.extraYen > 0 ? [`Actual cost of mailing or the method you asked for: ${yen(v.extraYen, 'en')}`] : []),
            `Total: ${yen(v.totalYen, 'en')}`,
          ],
        },
        v.bankTransfer
          ? { kind: 'list', items: bankLines(v.bankTransfer, 'en') }
          : { kind: 'paragraph', text: 'Our staff will tell you separately how to pay.' },
        ...(v.bankTransfer
          ? [{ kind: 'paragraph' as const, text: `When you transfer the money, please put the reference (${v.reference}) before your name.` }]
          : []),
        {
          kind: 'paragraph',
          text: `Please pay by ${formatDateTime(v.replyDueAt, 'en')}. If we cannot confirm the payment by then, we will close the request because the fee was not paid.`,
        },
        { kind: 'note', text: REQUESTER_NOTE.en },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'request.payment_received': defineEmailTemplate({
    variables: { reference: ZEmailLine, outcome: z.enum(['paid', 'waived']), amountYen: ZYen.optional() },
    ja: (v) => ({
      subject: `【${v.organizationName}】手数料の${v.outcome === 'paid' ? 'お支払いを確認しました' : 'お支払いは不要になりました'}（受付番号 ${v.reference}）`,
      blocks: [
        {
          kind: 'paragraph',
          text:
            v.outcome === 'paid'
              ? `受付番号 ${v.reference} のご請求について、手数料${v.amountYen === undefined ? '' : `（${yen(v.amountYen, 'ja')}）`}のお支払いを確認しました。ありがとうございます。`
              : `受付番号 ${v.reference} のご請求について、手数料のお支払いは不要となりました。`,
        },
        { kind: 'paragraph', text: 'これより、ご請求の内容に沿って調査と対応を進めます。結果は、あらためてメールでお知らせします。' },
        { kind: 'note', text: REQUESTER_NOTE.ja },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] ${v.outcome === 'paid' ? 'We have received your payment' : 'No fee needs to be paid'} (reference ${v.reference})`,
      blocks: [
        {
          kind: 'paragraph',
          text:
            v.outcome === 'paid'
              ? `We have received the fee${v.amountYen === undefined ? '' : ` (${yen(v.amountYen, 'en')})`} for request ${v.reference}. Thank you.`
              : `No fee needs to be paid for request ${v.reference}.`,
        },
        { kind: 'paragraph', text: 'We will now look into your request and act on it, and will write to you again with the result.' },
        { kind: 'note', text: REQUESTER_NOTE.en },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'request.closed': defineEmailTemplate({
    variables: { reference: ZEmailLine, reason: z.enum(CLOSURE_REASONS), message: ZEmailText.optional() },
    ja: (v) => {
      const r = CLOSURE_LABELS[v.reason];
      return {
        subject: `【${v.organizationName}】ご請求への対応を終了しました（受付番号 ${v.reference}）`,
        blocks: [
          { kind: 'paragraph', text: `受付番号 ${v.reference} のご請求は、次の理由により、対応を終了しました。` },
          { kind: 'list', items: [r.label.ja, ...(r.legalGround ? [`根拠：${r.legalGround.ja}`] : [])] },
          ...(v.message ? [{ kind: 'paragraph' as const, text: v.message }] : []),
          { kind: 'paragraph', text: 'あらためてご請求いただくことは可能です。ご不明な点は、当社の個人情報に関するお問い合わせ窓口までご連絡ください。' },
          { kind: 'note', text: REQUESTER_NOTE.ja },
        ],
        signature: staffSignature(v.organizationName, 'ja'),
      };
    },
    en: (v) => {
      const r = CLOSURE_LABELS[v.reason];
      return {
        subject: `[${v.organizationName}] Your request has been closed (reference ${v.reference})`,
        blocks: [
          { kind: 'paragraph', text: `We have closed request ${v.reference} for the following reason.` },
          { kind: 'list', items: [r.label.en, ...(r.legalGround ? [`Legal ground: ${r.legalGround.en}`] : [])] },
          ...(v.message ? [{ kind: 'paragraph' as const, text: v.message }] : []),
          { kind: 'paragraph', text: 'You may make a new request at any time. If anything is unclear, please contact our privacy office.' },
          { kind: 'note', text: REQUESTER_NOTE.en },
        ],
        signature: staffSignature(v.organizationName, 'en'),
      };
    },
  }),

  'request.message': defineEmailTemplate({
    variables: { reference: ZEmailLine, message: ZEmailText },
    ja: (v) => ({
      subject: `【${v.organizationName}】ご請求に関するご連絡（受付番号 ${v.reference}）`,
      blocks: [
        { kind: 'paragraph', text: `受付番号 ${v.reference} のご請求について、担当者からご連絡があります。` },
        { kind: 'paragraph', text: v.message },
        { kind: 'paragraph', text: 'このメールへの返信は届きません。ご回答が必要な場合は、ご請求の際にご案内した方法でご連絡ください。' },
        { kind: 'note', text: REQUESTER_NOTE.ja },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] A message about your request (reference ${v.reference})`,
      blocks: [
        { kind: 'paragraph', text: `Our staff have a message about request ${v.reference}:` },
        { kind: 'paragraph', text: v.message },
        { kind: 'paragraph', text: 'Replies to this email are not read. If you need to answer, please use the way we explained when you made the request.' },
        { kind: 'note', text: REQUESTER_NOTE.en },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'request.my_number_destroyed': defineEmailTemplate({
    variables: { reference: ZEmailLine },
    ja: (v) => ({
      subject: `【${v.organizationName}】ご提出書類の廃棄についてのお知らせ（受付番号 ${v.reference}）`,
      blocks: [
        {
          kind: 'paragraph',
          text: `受付番号 ${v.reference} のご請求でご提出いただいた書類のうち1点に、個人番号（マイナンバー）が写っていました。当社は法令により個人番号を取得・保管することができないため（番号法第20条）、このファイルを直ちに廃棄しました。個人番号は記録していません。`,
        },
        {
          kind: 'paragraph',
          text: 'マイナンバーカードを本人確認書類としてお使いになる場合は、個人番号が記載されていない表面のみをお送りください。書類の追加が必要な場合は、あらためてご案内します。',
        },
        { kind: 'note', text: REQUESTER_NOTE.ja },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] A file you sent has been destroyed (reference ${v.reference})`,
      blocks: [
        {
          kind: 'paragraph',
          text: `One of the files you sent with request ${v.reference} showed an Individual Number (My Number). The law does not allow us to collect or keep Individual Numbers (My Number Act, Art. 20), so we destroyed the file at once. The number was not recorded.`,
        },
        {
          kind: 'paragraph',
          text: 'If you use your My Number Card to prove your identity, please send only the front, which does not show the number. If we need further documents, we will let you know.',
        },
        { kind: 'note', text: REQUESTER_NOTE.en },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'request.staff_due_soon': defineEmailTemplate({
    variables: { displayName: ZEmailLine, reference: ZEmailLine, requestType: z.enum(REQUEST_TYPES), dueAt: z.date(), requestUrl: ZEmailUrl },
    ja: (v) => ({
      subject: `【${v.organizationName}】回答目標日が近づいています（${v.reference}）`,
      greeting: `${v.displayName} 様`,
      blocks: [
        {
          kind: 'paragraph',
          text: `${REQUEST_TYPE_LABELS[v.requestType].ja}の請求 ${v.reference} は、回答目標日（${formatDateTime(v.dueAt, 'ja')}）が近づいています。対応状況を確認し、期限内の回答に向けて進めてください。`,
        },
        { kind: 'link', url: v.requestUrl, label: '請求を開く' },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] Request ${v.reference} is due soon`,
      greeting: `Dear ${v.displayName},`,
      blocks: [
        {
          kind: 'paragraph',
          text: `The request for ${REQUEST_TYPE_LABELS[v.requestType].en} ${v.reference} should be answered by ${formatDateTime(v.dueAt, 'en')}. Check where it stands and move it on so the answer goes out in time.`,
        },
        { kind: 'link', url: v.requestUrl, label: 'Open the request' },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'request.staff_escalated': defineEmailTemplate({
    variables: {
      displayName: ZEmailLine,
      reference: ZEmailLine,
      requestType: z.enum(REQUEST_TYPES),
      dueAt: z.date(),
      escalationAt: z.date(),
      requestUrl: ZEmailUrl,
    },
    ja: (v) => ({
      subject: `【${v.organizationName}】【要対応】未回答の請求がエスカレーション期限を過ぎました（${v.reference}）`,
      greeting: `${v.displayName} 様`,
      blocks: [
        {
          kind: 'paragraph',
          text: `${REQUEST_TYPE_LABELS[v.requestType].ja}の請求 ${v.reference} は、エスカレーション期限（${formatDateTime(v.escalationAt, 'ja')}）を過ぎても回答されていません（回答目標日：${formatDateTime(v.dueAt, 'ja')}）。`,
        },
        { kind: 'paragraph', text: '個人情報保護法は「遅滞なく」対応することを求めています。担当の割り当てと対応状況を確認し、必要な指示をしてください。' },
        { kind: 'link', url: v.requestUrl, label: '請求を開く' },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] Escalation: request ${v.reference} is still unanswered`,
      greeting: `Dear ${v.displayName},`,
      blocks: [
        {
          kind: 'paragraph',
          text: `The request for ${REQUEST_TYPE_LABELS[v.requestType].en} ${v.reference} has passed its escalation day (${formatDateTime(v.escalationAt, 'en')}) without an answer; it was due by ${formatDateTime(v.dueAt, 'en')}.`,
        },
        { kind: 'paragraph', text: 'The APPI asks for an answer without delay. Check who is working on it and where it stands, and give the instructions it needs.' },
        { kind: 'link', url: v.requestUrl, label: 'Open the request' },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),
} as const;
