// Request-desk emails of the intake: the one-time code that verifies the address a request
// was made from, the acknowledgement once it is verified (the reference, what happens next,
// the answer target date, where to follow the request), and the confirmation of a withdrawal.
// They carry the reference, never the person's name or what the request is about: whoever
// reads the mailbox learns only that a request exists.
import { z } from 'zod';
import { formatDateTime } from '../mail/mail.render.ts';
import { defineEmailTemplate, staffSignature, ZEmailLine, ZEmailUrl } from '../mail/mail.template-kit.ts';
import { REQUEST_TYPE_LABELS } from '../organization/request-settings.ts';
import { REQUEST_TYPES } from './request.ts';

const ZCode = z.string().regex(/^\d{6}$/, 'six digits');

const NOTE = {
  ja: 'このメールは、当社のお問い合わせ窓口で個人情報の開示等のご請求に入力されたメールアドレスにお送りしています。お心当たりのない場合は、このメールを破棄してください。',
  en: 'You receive this email because this address was given in a request about personal information made to us. If you did not make it, please delete this email.',
};

export const INTAKE_EMAIL_TEMPLATES = {
  'request.verify_email': defineEmailTemplate({
    variables: { reference: ZEmailLine, code: ZCode, verifyUrl: ZEmailUrl, expiresAt: z.date() },
    ja: (v) => ({
      subject: `【${v.organizationName}】メールアドレス確認のお願い（受付番号 ${v.reference}）`,
      blocks: [
        {
          kind: 'paragraph',
          text: `個人情報の開示等のご請求（受付番号 ${v.reference}）をお受けしました。ご請求の手続きを進めるため、このメールアドレスの確認をお願いします。`,
        },
        { kind: 'paragraph', text: '次の確認コードをご請求の画面に入力するか、下のリンクを開いてください。' },
        { kind: 'code', text: v.code },
        { kind: 'link', url: v.verifyUrl, label: 'メールアドレスを確認する' },
        {
          kind: 'paragraph',
          text: `確認コードは${formatDateTime(v.expiresAt, 'ja')}まで有効です。期限が過ぎた場合は、ご請求の画面から新しいコードをお求めください。確認が済むまで、ご請求の手続きは始まりません。`,
        },
        { kind: 'note', text: NOTE.ja },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] Please confirm your email address (reference ${v.reference})`,
      blocks: [
        {
          kind: 'paragraph',
          text: `We have received your request about personal information (reference ${v.reference}). Before we can start on it, please confirm this email address.`,
        },
        { kind: 'paragraph', text: 'Enter this code on the request page, or open the link below.' },
        { kind: 'code', text: v.code },
        { kind: 'link', url: v.verifyUrl, label: 'Confirm my email address' },
        {
          kind: 'paragraph',
          text: `The code works until ${formatDateTime(v.expiresAt, 'en')}. If it has expired, ask for a new code on the request page. We start on the request only once the address is confirmed.`,
        },
        { kind: 'note', text: NOTE.en },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'request.acknowledged': defineEmailTemplate({
    variables: {
      reference: ZEmailLine,
      requestType: z.enum(REQUEST_TYPES),
      /** The answer target date as it stands today (it moves while we wait on the requester). */
      dueAt: z.date(),
      statusUrl: ZEmailUrl,
      /** Whether a fee applies to this kind of request under the organisation's settings. */
      feeApplies: z.boolean(),
    },
    ja: (v) => ({
      subject: `【${v.organizationName}】ご請求を受け付けました（受付番号 ${v.reference}）`,
      blocks: [
        {
          kind: 'paragraph',
          text: `メールアドレスの確認が完了しました。${REQUEST_TYPE_LABELS[v.requestType].ja}のご請求を、受付番号 ${v.reference} で受け付けました。お問い合わせの際は、この受付番号をお知らせください。`,
        },
        {
          kind: 'list',
          items: [
            'まず、お送りいただいた本人確認書類を担当者が確認します。',
            '書類が不足している場合や内容を確認できない場合は、このメールアドレスにご連絡します。',
            ...(v.feeApplies ? ['ご本人確認の後、手数料のお支払い方法をご案内します。'] : []),
            `${formatDateTime(v.dueAt, 'ja')}までの回答を目標としています（書類の追加提出や手数料のお支払いをお待ちしている間は、この期限が延びます）。`,
          ],
        },
        { kind: 'paragraph', text: '手続きの状況は、次のページで、ご請求の際に表示された確認用のコードを使ってご確認いただけます。' },
        { kind: 'link', url: v.statusUrl, label: 'ご請求の状況を確認する' },
        { kind: 'note', text: NOTE.ja },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] We have received your request (reference ${v.reference})`,
      blocks: [
        {
          kind: 'paragraph',
          text: `Your email address is confirmed. Your request for ${REQUEST_TYPE_LABELS[v.requestType].en} has the reference ${v.reference}. Please quote it whenever you contact us.`,
        },
        {
          kind: 'list',
          items: [
            'First, our staff check the identity documents you sent.',
            'If a document is missing or cannot be confirmed, we will write to this address.',
            ...(v.feeApplies ? ['Once your identity is confirmed, we will tell you how to pay the fee.'] : []),
            `We aim to answer by ${formatDateTime(v.dueAt, 'en')} (this date moves while we wait for further documents or the fee).`,
          ],
        },
        { kind: 'paragraph', text: 'You can follow the request on this page with the tracking code you were shown when you made it.' },
        { kind: 'link', url: v.statusUrl, label: 'See the status of my request' },
        { kind: 'note', text: NOTE.en },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'request.withdrawn': defineEmailTemplate({
    variables: { reference: ZEmailLine, requestType: z.enum(REQUEST_TYPES), withdrawnAt: z.date() },
    ja: (v) => ({
      subject: `【${v.organizationName}】ご請求の取り下げを受け付けました（受付番号 ${v.reference}）`,
      blocks: [
        {
          kind: 'paragraph',
          text: `${formatDateTime(v.withdrawnAt, 'ja')}、${REQUEST_TYPE_LABELS[v.requestType].ja}のご請求（受付番号 ${v.reference}）の取り下げを受け付けました。このご請求の手続きはこれで終了します。`,
        },
        {
          kind: 'paragraph',
          text: 'お送りいただいた書類は、当社の定める期間が過ぎた後に廃棄します。あらためてご請求される場合は、お手数ですが最初からお手続きください。',
        },
        { kind: 'note', text: NOTE.ja },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] Your request has been withdrawn (reference ${v.reference})`,
      blocks: [
        {
          kind: 'paragraph',
          text: `On ${formatDateTime(v.withdrawnAt, 'en')} you withdrew your request for ${REQUEST_TYPE_LABELS[v.requestType].en} (reference ${v.reference}). We have stopped work on it.`,
        },
        {
          kind: 'paragraph',
          text: 'The documents you sent will be destroyed once our retention period has passed. If you want to make the request again, please start a new one.',
        },
        { kind: 'note', text: NOTE.en },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),
} as const;
