// Request-desk emails (delivery): see request.emails.ts. The download link goes only to the
// verified address and works together with the tracking token the person received at
// submission, so the mail alone does not open the package; the expiry warning cannot repeat
// the link (only its hash is kept) and points back to the first mail instead.
import { z } from 'zod';
import { formatDateTime } from '../mail/mail.render.ts';
import { defineEmailTemplate, staffSignature, ZEmailLine, ZEmailUrl } from '../mail/mail.template-kit.ts';

const ZReference = ZEmailLine;

export const DELIVERY_EMAIL_TEMPLATES = {
  'request.download_ready': defineEmailTemplate({
    variables: {
      reference: ZReference,
      downloadUrl: ZEmailUrl,
      expiresAt: z.date(),
      maxDownloads: z.number().int().min(1).max(50),
    },
    ja: (v) => ({
      subject: `【${v.organizationName}】ご請求への回答をダウンロードいただけます（受付番号 ${v.reference}）`,
      blocks: [
        {
          kind: 'paragraph',
          text: `${v.organizationName}へのご請求（受付番号 ${v.reference}）について、回答の書面と開示するデータをご用意しました。\n下のリンクを開き、お申し込みの際にお知らせした照会用トークンを入力して、ダウンロードしてください。`,
        },
        { kind: 'link', url: v.downloadUrl, label: '回答をダウンロードする' },
        {
          kind: 'list',
          items: [
            `有効期限：${formatDateTime(v.expiresAt, 'ja')}まで`,
            `ダウンロードできる回数：${v.maxDownloads}回まで`,
            'ファイルはZIP形式です。回答の書面（PDF）、データ（JSON・CSV）、内容を確認できるページ（summary.html）が入っています。',
          ],
        },
        {
          kind: 'paragraph',
          text: '期限を過ぎた場合や回数の上限に達した場合は、受付番号を添えて窓口までお問い合わせください。新しいリンクをお送りします。',
        },
        {
          kind: 'note',
          text: 'このリンクはご請求者ご本人専用です。他の方に転送しないでください。お心当たりのない場合は、このメールを破棄のうえ、窓口までお知らせください。',
        },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] Our answer to your request is ready to download (reference ${v.reference})`,
      blocks: [
        {
          kind: 'paragraph',
          text: `Our answer to your request to ${v.organizationName} (reference ${v.reference}) is ready: the letter and the data we disclose.\nOpen the link below and enter the tracking token you received when you made the request to download it.`,
        },
        { kind: 'link', url: v.downloadUrl, label: 'Download the answer' },
        {
          kind: 'list',
          items: [
            `The link works until ${formatDateTime(v.expiresAt, 'en')}.`,
            `It can be used ${v.maxDownloads} ${v.maxDownloads === 1 ? 'time' : 'times'}.`,
            'The download is a ZIP file with the letter (PDF), the data (JSON and CSV) and a page to read it all (summary.html).',
          ],
        },
        {
          kind: 'paragraph',
          text: 'If the link has expired or has been used up, contact the privacy office with your reference and we will send a new one.',
        },
        {
          kind: 'note',
          text: 'This link is for the person who made the request only: do not forward it. If you did not expect this email, delete it and let the privacy office know.',
        },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'request.download_expiring': defineEmailTemplate({
    variables: {
      reference: ZReference,
      expiresAt: z.date(),
      /** When the mail with the link was sent. */
      sentAt: z.date(),
    },
    ja: (v) => ({
      subject: `【${v.organizationName}】回答のダウンロード期限が近づいています（受付番号 ${v.reference}）`,
      blocks: [
        {
          kind: 'paragraph',
          text: `ご請求（受付番号 ${v.reference}）への回答は、まだダウンロードされていません。ダウンロード用のリンクは${formatDateTime(v.expiresAt, 'ja')}に無効になります。`,
        },
        {
          kind: 'paragraph',
          text: `${formatDateTime(v.sentAt, 'ja')}にお送りしたメールのリンクから、期限までにダウンロードしてください。期限を過ぎた場合は、受付番号を添えて窓口までお問い合わせください。`,
        },
        { kind: 'note', text: 'すでにダウンロードがお済みの場合や、お心当たりのない場合は、このメールを破棄してください。' },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] Your download link expires soon (reference ${v.reference})`,
      blocks: [
        {
          kind: 'paragraph',
          text: `Our answer to your request (reference ${v.reference}) has not been downloaded yet. The download link stops working on ${formatDateTime(v.expiresAt, 'en')}.`,
        },
        {
          kind: 'paragraph',
          text: `Use the link in the email we sent on ${formatDateTime(v.sentAt, 'en')} before then. If it has expired, contact the privacy office with your reference.`,
        },
        { kind: 'note', text: 'If you have already downloaded it, or did not expect this email, you can delete it.' },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'request.completed': defineEmailTemplate({
    variables: {
      reference: ZReference,
      /** How the answer reached the person: posted on paper, or nothing further to send. */
      delivery: z.enum(['paper', 'none']),
      /** For paper: the day the letter was posted. */
      postedAt: z.date().optional(),
    },
    ja: (v) => ({
      subject: `【${v.organizationName}】ご請求への対応が完了しました（受付番号 ${v.reference}）`,
      blocks: [
        {
          kind: 'paragraph',
          text:
            v.delivery === 'paper'
              ? `ご請求（受付番号 ${v.reference}）への回答の書面を、${v.postedAt ? formatDateTime(v.postedAt, 'ja') : '本日'}に郵送いたしました。到着まで数日かかる場合があります。`
              : `ご請求（受付番号 ${v.reference}）への対応が完了しました。`,
        },
        {
          kind: 'paragraph',
          text: 'ご請求の際にご提出いただいた書類は、当社の規程に定める期間の経過後に廃棄いたします。ご不明な点は、受付番号を添えて窓口までお問い合わせください。',
        },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] Your request has been completed (reference ${v.reference})`,
      blocks: [
        {
          kind: 'paragraph',
          text:
            v.delivery === 'paper'
              ? `We posted our answer to your request (reference ${v.reference}) as a letter${v.postedAt ? ` on ${formatDateTime(v.postedAt, 'en')}` : ' today'}. It may take a few days to arrive.`
              : `We have completed your request (reference ${v.reference}).`,
        },
        {
          kind: 'paragraph',
          text: 'The documents you sent with the request will be destroyed after the period set in our rules. If you have questions, contact the privacy office with your reference.',
        },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),
} as const;
