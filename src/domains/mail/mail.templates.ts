// The email templates: one entry per kind of mail, each with its variables (a zod schema) and
// its content in Japanese and in English. Adding a mail is adding one entry here or to a
// domain's template file spread in below; its variables are then type-checked at every call of
// queueEmail. Every template also accepts `organizationName`; when a caller leaves it out the
// organisation profile supplies it.
import { z } from 'zod';
import type { Language } from '../../lib/errors.ts';
import { REQUEST_EMAIL_TEMPLATES } from '../requests/request.emails.ts';
import { defineEmailTemplate, staffSignature, ZEmailLine, ZEmailUrl, type Common, type CommonEmailVariables, type EmailTemplate } from './mail.template-kit.ts';
import { formatDateTime, type RenderedEmail } from './mail.render.ts';

export { ZEmailLine, ZEmailUrl, type CommonEmailVariables, type EmailTemplate };

export const EMAIL_TEMPLATES = {
  'staff.password_setup': defineEmailTemplate({
    variables: {
      displayName: ZEmailLine,
      setupUrl: ZEmailUrl,
      expiresAt: z.date(),
      /** A new account, or a new password for an existing one. */
      purpose: z.enum(['new_account', 'reset']).default('new_account'),
    },
    ja: (v) => ({
      subject:
        v.purpose === 'new_account'
          ? `【${v.organizationName}】パスワード設定のお願い`
          : `【${v.organizationName}】パスワード再設定のご案内`,
      greeting: `${v.displayName} 様`,
      blocks: [
        {
          kind: 'paragraph',
          text:
            v.purpose === 'new_account'
              ? `${v.organizationName}の個人情報管理システム（Madoguchi）に、あなたのスタッフアカウントが作成されました。\n下のリンクを開いて、パスワードを設定してください。`
              : `${v.organizationName}の個人情報管理システム（Madoguchi）で、あなたのアカウントのパスワード再設定が受け付けられました。\n下のリンクを開いて、新しいパスワードを設定してください。`,
        },
        { kind: 'link', url: v.setupUrl, label: 'パスワードを設定する' },
        {
          kind: 'paragraph',
          text: `このリンクは${formatDateTime(v.expiresAt, 'ja')}まで有効で、一度だけお使いいただけます。期限が過ぎた場合は、管理者に新しいリンクの発行をご依頼ください。`,
        },
        {
          kind: 'note',
          text: 'このリンクはご本人専用です。他の方に転送しないでください。お心当たりのない場合は、このメールを破棄のうえ、管理者にお知らせください。',
        },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject:
        v.purpose === 'new_account'
          ? `[${v.organizationName}] Set your password`
          : `[${v.organizationName}] Reset your password`,
      greeting: `Dear ${v.displayName},`,
      blocks: [
        {
          kind: 'paragraph',
          text:
            v.purpose === 'new_account'
              ? `A staff account has been created for you in the personal information system (Madoguchi) of ${v.organizationName}.\nOpen the link below to choose your password.`
              : `A password reset was requested for your account in the personal information system (Madoguchi) of ${v.organizationName}.\nOpen the link below to choose a new password.`,
        },
        { kind: 'link', url: v.setupUrl, label: 'Set my password' },
        {
          kind: 'paragraph',
          text: `The link works once and until ${formatDateTime(v.expiresAt, 'en')}. If it has expired, ask an administrator for a new one.`,
        },
        {
          kind: 'note',
          text: 'This link is for you alone: do not forward it. If you did not expect this email, delete it and let an administrator know.',
        },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'staff.mfa_reset': defineEmailTemplate({
    variables: {
      displayName: ZEmailLine,
      resetAt: z.date(),
      signInUrl: ZEmailUrl,
    },
    ja: (v) => ({
      subject: `【${v.organizationName}】二要素認証がリセットされました`,
      greeting: `${v.displayName} 様`,
      blocks: [
        {
          kind: 'paragraph',
          text: `${formatDateTime(v.resetAt, 'ja')}、管理者があなたのアカウントの二要素認証（認証アプリ）の設定をリセットしました。`,
        },
        {
          kind: 'paragraph',
          text: '次回サインインする際に、認証アプリをあらためて設定していただく必要があります。以前の認証アプリに登録されている項目は使えなくなりましたので、削除していただいてかまいません。',
        },
        { kind: 'link', url: v.signInUrl, label: 'サインインする' },
        {
          kind: 'note',
          text: 'このリセットにお心当たりがない場合は、第三者による操作のおそれがあります。すぐに管理者または個人情報保護の担当部署にご連絡ください。',
        },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] Your two-step sign-in has been reset`,
      greeting: `Dear ${v.displayName},`,
      blocks: [
        {
          kind: 'paragraph',
          text: `On ${formatDateTime(v.resetAt, 'en')}, an administrator reset the second factor (authenticator app) of your account.`,
        },
        {
          kind: 'paragraph',
          text: 'The next time you sign in, you will be asked to set up an authenticator app again. The entry in your old authenticator app no longer works and can be deleted.',
        },
        { kind: 'link', url: v.signInUrl, label: 'Sign in' },
        {
          kind: 'note',
          text: 'If you did not expect this reset, someone else may have asked for it. Contact an administrator or the privacy office right away.',
        },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'inventory.review_overdue': defineEmailTemplate({
    variables: {
      displayName: ZEmailLine,
      systemName: ZEmailLine,
      /** The last day the review was on time; absent when the system was never reviewed. */
      dueOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
      mapUrl: ZEmailUrl,
    },
    ja: (v) => ({
      subject: `【${v.organizationName}】個人情報管理台帳の見直し期限を過ぎています（${v.systemName}）`,
      greeting: `${v.displayName} 様`,
      blocks: [
        {
          kind: 'paragraph',
          text: v.dueOn
            ? `あなたが管理責任者となっているシステム「${v.systemName}」の個人情報管理台帳は、見直し期限（${v.dueOn}）を過ぎています。`
            : `あなたが管理責任者となっているシステム「${v.systemName}」の個人情報管理台帳は、まだ一度も見直されていません。`,
        },
        {
          kind: 'paragraph',
          text: '台帳の項目、利用目的、保管場所、アクセス権者、保管期限などが現状と合っているかを確認し、見直し日を更新してください（JIS Q 15001 では少なくとも年1回の見直しが求められています）。',
        },
        { kind: 'link', url: v.mapUrl, label: 'データマップを開く' },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] The ledger review of ${v.systemName} is overdue`,
      greeting: `Dear ${v.displayName},`,
      blocks: [
        {
          kind: 'paragraph',
          text: v.dueOn
            ? `The personal-data ledger of "${v.systemName}", a system you own, was due for review by ${v.dueOn}.`
            : `The personal-data ledger of "${v.systemName}", a system you own, has never been reviewed.`,
        },
        {
          kind: 'paragraph',
          text: 'Check that its items, purposes, storage place, who has access and retention periods are still right, then record the review date (JIS Q 15001 asks for a review at least once a year).',
        },
        { kind: 'link', url: v.mapUrl, label: 'Open the data map' },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),

  'dev.test': defineEmailTemplate({
    variables: { sentAt: z.date() },
    ja: (v) => ({
      subject: `【${v.organizationName}】テストメール`,
      blocks: [
        {
          kind: 'paragraph',
          text: `このメールは、Madoguchiのメール送信設定を確認するためのテストメールです（${formatDateTime(v.sentAt, 'ja')}送信）。`,
        },
        { kind: 'paragraph', text: 'このメールが届いていれば、送信の設定は正しく動作しています。ご返信は不要です。' },
      ],
      signature: staffSignature(v.organizationName, 'ja'),
    }),
    en: (v) => ({
      subject: `[${v.organizationName}] Test message`,
      blocks: [
        {
          kind: 'paragraph',
          text: `This is a test message that checks the mail settings of Madoguchi (sent on ${formatDateTime(v.sentAt, 'en')}).`,
        },
        { kind: 'paragraph', text: 'If it reached you, sending mail works. There is no need to reply.' },
      ],
      signature: staffSignature(v.organizationName, 'en'),
    }),
  }),
  ...REQUEST_EMAIL_TEMPLATES,
} as const;

export type EmailTemplateName = keyof typeof EMAIL_TEMPLATES;

export const EMAIL_TEMPLATE_NAMES = Object.keys(EMAIL_TEMPLATES) as EmailTemplateName[];

/** What a caller passes for template N (defaults may be left out). */
export type EmailVariables<N extends EmailTemplateName> = z.input<(typeof EMAIL_TEMPLATES)[N]['variables']> &
  CommonEmailVariables;

export function isEmailTemplateName(name: string): name is EmailTemplateName {
  return Object.hasOwn(EMAIL_TEMPLATES, name);
}

/** Validates the variables and renders template `name` in `language`. Throws ZodError. */
export function renderEmail<N extends EmailTemplateName>(
  name: N,
  language: Language,
  variables: EmailVariables<N>,
  defaults: Common,
): RenderedEmail {
  const template: EmailTemplate = EMAIL_TEMPLATES[name];
  return template.render(language, variables, defaults);
}
