// Request-desk emails (decision): the notice that the office has decided (APPI Art. 33(3),
// 34(3), 35(7)), with the outcome in words and the reasons in the policy's own wording (Art.
// 36), and how the letter reaches the person: a download link in a separate mail, or by post.
// The mail carries the reference and reason labels, never the person's name, the withheld
// parts or the explanations: those are in the letter, behind the link or in the envelope.
import { z } from 'zod';
import { defineEmailTemplate, staffSignature, ZEmailLine } from '../mail/mail.template-kit.ts';
import { REQUEST_TYPE_LABELS } from '../organization/request-settings.ts';
import { DECISION_REASON_CODES, decisionReason, isDisclosureType, type DecisionReasonCode } from './decision.rules.ts';
import { DECISION_OUTCOMES, REQUEST_TYPES, type DecisionOutcome, type RequestType } from './request.ts';

const ZReasonCode = z.enum(DECISION_REASON_CODES as [DecisionReasonCode, ...DecisionReasonCode[]]);

const NOTE = {
  ja: 'このメールは、当社への個人情報の開示等のご請求に入力されたメールアドレスにお送りしています。お心当たりのない場合は、このメールを破棄してください。',
  en: 'You receive this email because this address was given in a request about personal information made to us. If you did not make it, please delete this email.',
};

type Lang = 'ja' | 'en';

function outcomeSentence(type: RequestType, outcome: DecisionOutcome, language: Lang): string {
  const label = REQUEST_TYPE_LABELS[type][language];
  const ja = language === 'ja';
  const verbJa = type === 'purpose_notification' ? '通知' : '開示';
  const verbEn = type === 'purpose_notification' ? 'notify' : 'disclose';
  switch (outcome) {
    case 'full':
      return ja ? `ご請求いただいた内容を、すべて${verbJa}いたします。` : `We ${verbEn} what you asked for in full.`;
    case 'partial':
      return ja
        ? `ご請求いただいた内容を、一部を除いて${verbJa}いたします。${verbJa}しない部分の理由は次のとおりです。`
        : `We ${verbEn} what you asked for, except for some parts. The reasons for withholding them are:`;
    case 'none':
      return ja ? `ご請求いただいた内容は、次の理由により${verbJa}いたしません。` : `We do not ${verbEn} what you asked for, for this reason:`;
    case 'done':
      return ja ? `ご請求いただいた${label}を行いました。` : `We carried out the ${label} you asked for.`;
    case 'not_done':
      return ja ? `ご請求いただいた${label}は、次の理由により行わないことといたしました。` : `We have decided not to carry out the ${label} you asked for, for this reason:`;
    case 'alternative':
      return ja ? `ご請求いただいた${label}に代えて、別の措置をとりました。その理由は次のとおりです。` : `Instead of the ${label} you asked for, we took another measure, for this reason:`;
  }
}

function followUpSentence(type: RequestType, outcome: DecisionOutcome, followUp: 'download_link' | 'post', language: Lang): string {
  const withData = isDisclosureType(type) && (outcome === 'full' || outcome === 'partial');
  if (language === 'ja') {
    const what = withData ? '回答書と開示する内容' : '回答書';
    return followUp === 'download_link'
      ? `${what}は、このあと別のメールでお送りするダウンロード用のリンクからお受け取りください。リンクには有効期限があります。`
      : `${what}は、ご請求の際にお知らせいただいたご住所へ郵送いたします。`;
  }
  const what = withData ? 'The letter and what we disclose' : 'The letter';
  return followUp === 'download_link'
    ? `${what} can be downloaded from a link we send in a separate email shortly. The link works for a limited time.`
    : `${what} will be posted to the address you gave in your request.`;
}

function reasonItems(codes: readonly DecisionReasonCode[], language: Lang): string[] {
  return codes.map((code) => {
    const r = decisionReason(code);
    return language === 'ja' ? `${r.label.ja}（${r.legalGround.ja}）` : `${r.label.en} (${r.legalGround.en})`;
  });
}

export const DECISION_EMAIL_TEMPLATES = {
  'request.decision': defineEmailTemplate({
    variables: {
      reference: ZEmailLine,
      requestType: z.enum(REQUEST_TYPES),
      outcome: z.enum(DECISION_OUTCOMES),
      /** The reason codes the decision rests on (empty when it grants everything). */
      reasons: z.array(ZReasonCode).max(20).default([]),
      /** How the letter reaches the person. */
      followUp: z.enum(['download_link', 'post']),
    },
    ja: (v) => {
      const reasons = reasonItems(v.reasons, 'ja');
      return {
        subject: `【${v.organizationName}】ご請求への回答のお知らせ（受付番号 ${v.reference}）`,
        blocks: [
          {
            kind: 'paragraph',
            text: `${v.organizationName}への${REQUEST_TYPE_LABELS[v.requestType].ja}のご請求（受付番号 ${v.reference}）について、回答が決まりましたのでお知らせします。`,
          },
          { kind: 'paragraph', text: outcomeSentence(v.requestType, v.outcome, 'ja') },
          ...(reasons.length > 0 ? [{ kind: 'list' as const, items: reasons }] : []),
          {
            kind: 'paragraph',
            text: `詳しい内容${reasons.length > 0 ? 'と理由のご説明' : ''}は、回答書に記載しています。${followUpSentence(v.requestType, v.outcome, v.followUp, 'ja')}`,
          },
          { kind: 'paragraph', text: 'ご不明な点がございましたら、受付番号を添えて当社の窓口までお問い合わせください。' },
          { kind: 'note', text: NOTE.ja },
        ],
        signature: staffSignature(v.organizationName, 'ja'),
      };
    },
    en: (v) => {
      const reasons = reasonItems(v.reasons, 'en');
      return {
        subject: `[${v.organizationName}] Our answer to your request (reference ${v.reference})`,
        blocks: [
          {
            kind: 'paragraph',
            text: `We have decided on your request to ${v.organizationName} for ${REQUEST_TYPE_LABELS[v.requestType].en} (reference ${v.reference}).`,
          },
          { kind: 'paragraph', text: outcomeSentence(v.requestType, v.outcome, 'en') },
          ...(reasons.length > 0 ? [{ kind: 'list' as const, items: reasons }] : []),
          {
            kind: 'paragraph',
            text: `The letter gives the details${reasons.length > 0 ? ' and explains the reasons' : ''}. ${followUpSentence(v.requestType, v.outcome, v.followUp, 'en')}`,
          },
          { kind: 'paragraph', text: 'If anything is unclear, please contact our desk and quote the reference number.' },
          { kind: 'note', text: NOTE.en },
        ],
        signature: staffSignature(v.organizationName, 'en'),
      };
    },
  }),
} as const;
