// How the organisation handles requests from principals: the identity documents it accepts
// and the rule that accepts them, the fee for each request type with the extra costs, the
// bank-transfer details, the answer deadlines, how long submitted documents are kept, and
// the limits on download links. Defaults are the values of the policy Madoguchi operates
// (¥1,000 for the fee-eligible requests, 14/30 days, one year); all are editable.
import { z } from 'zod';
import { ZLocalized, type Localized } from '../policies/localized.ts';
import { FEE_ELIGIBLE_REQUEST_TYPES, feeProblems, deadlineProblems } from './request-settings.rules.ts';

/** The six requests of APPI Art. 32–35, as Madoguchi names them. */
export const REQUEST_TYPES = [
  'purpose_notification',
  'disclosure',
  'provision_record_disclosure',
  'correction',
  'suspension',
  'stop_provision',
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const REQUEST_TYPE_LABELS: Record<RequestType, Localized> = {
  purpose_notification: { ja: '利用目的の通知', en: 'notification of the purposes of use' },
  disclosure: { ja: '開示', en: 'disclosure' },
  provision_record_disclosure: { ja: '第三者提供記録の開示', en: 'disclosure of the records of provision to third parties' },
  correction: { ja: '内容の訂正・追加・削除', en: 'correction, addition or deletion' },
  suspension: { ja: '利用の停止・消去', en: 'suspension of use or erasure' },
  stop_provision: { ja: '第三者への提供の停止', en: 'stopping provision to third parties' },
};

export const MAX_FEE_YEN = 100_000;

const ZYen = z.number().int().min(0).max(MAX_FEE_YEN);

export const ZIdentityDocument = z.strictObject({
  code: z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, 'lower-case letters, digits and _'),
  label: ZLocalized(200),
  /** What the person must do with it, e.g. send only the front, mask the insurer number. */
  caution: ZLocalized(500),
});
export type IdentityDocument = z.infer<typeof ZIdentityDocument>;

export const ZIdentityRule = z.strictObject({
  /** Official documents with a photograph; this many of them suffice on their own. */
  photoDocuments: z.array(ZIdentityDocument).max(40),
  photoDocumentsRequired: z.number().int().min(1).max(3),
  /** Documents without a photograph; this many different ones are needed instead. */
  nonPhotoDocuments: z.array(ZIdentityDocument).max(40),
  nonPhotoDocumentsRequired: z.number().int().min(1).max(5),
  /** Proof that a statutory agent (of a minor or an adult ward) acts for the principal: any one. */
  statutoryAgentDocuments: z.array(ZIdentityDocument).max(20),
  /** Proof that an appointed agent acts for the principal: all of them (a power of attorney
   * and the certificate of the seal on it, say). */
  appointedAgentDocuments: z.array(ZIdentityDocument).max(20),
  /** Whether the agent must also prove their own identity by the rule above. */
  agentIdentityRequired: z.boolean(),
});
export type IdentityRule = z.infer<typeof ZIdentityRule>;

export const ZBankTransfer = z.strictObject({
  bankName: ZLocalized(100),
  branchName: ZLocalized(100),
  accountType: z.enum(['ordinary', 'checking']),
  accountNumber: z.string().regex(/^\d{7}$/, 'seven digits'),
  /** As registered with the bank (katakana in Japanese). */
  accountHolder: ZLocalized(120),
});
export type BankTransfer = z.infer<typeof ZBankTransfer>;

const feeShape = Object.fromEntries(REQUEST_TYPES.map((t) => [t, ZYen])) as Record<RequestType, typeof ZYen>;

export const ZFeeSettings = z.strictObject({
  /** Yen per request. APPI Art. 38 allows a fee only for the first three kinds. */
  perRequest: z.strictObject(feeShape),
  /** Extra charge when the principal asks for paper: a fixed amount, or null for actual cost. */
  paperDeliveryYen: ZYen.nullable(),
  /** Whether a special delivery or notification method the principal asks for is charged at
   * actual cost on top of the fee. */
  specialMethodAtCost: z.boolean(),
  /** Where the fee is paid; sent to the requester with the fee notice, never published. */
  bankTransfer: ZBankTransfer.nullable(),
});
export type FeeSettings = z.infer<typeof ZFeeSettings>;

export const ZDeadlineSettings = z.strictObject({
  /** Days within which the office aims to answer once a request is complete. */
  targetDays: z.number().int().min(1).max(90),
  /** Days after which an unanswered request is escalated to the officer. */
  escalationDays: z.number().int().min(1).max(180),
  /** Whether the answer clock stops while the office waits on the requester (documents, fee). */
  pauseWhileWaiting: z.boolean().default(true),
  /** Days the requester has to send further documents or pay the fee before the request closes. */
  replyDays: z.number().int().min(1).max(90).default(14),
});

/** Disclosure is electronic by default; paper is always possible on request (Art. 33(1)
 * lets the principal choose), at the extra cost set in the fees. */
export const ZDeliverySettings = z.strictObject({
  downloadLinkDays: z.number().int().min(1).max(90),
  maxDownloads: z.number().int().min(1).max(50),
});

/** The structure only; `ZRequestSettings` adds the legal rules. HTTP bodies use this one so
 * the rules answer with their own reasons (`fee_not_allowed`) from the service. */
export const ZRequestSettingsShape = z.strictObject({
  identity: ZIdentityRule,
  fees: ZFeeSettings,
  deadlines: ZDeadlineSettings,
  /** Months submitted documents are kept after the request is completed. */
  documentRetentionMonths: z.number().int().min(1).max(120),
  delivery: ZDeliverySettings,
});

export const ZRequestSettings = ZRequestSettingsShape.superRefine((value, ctx) => {
  for (const p of [...feeProblems(value.fees.perRequest), ...deadlineProblems(value.deadlines)]) {
    ctx.addIssue({ code: 'custom', path: p.path, message: p.message, params: { reason: p.reason } });
  }
});
export type RequestSettings = z.infer<typeof ZRequestSettingsShape>;

export { FEE_ELIGIBLE_REQUEST_TYPES };

function doc(code: string, ja: string, en: string, caution: Localized = { ja: '', en: '' }): IdentityDocument {
  return { code, label: { ja, en }, caution };
}

/** The values of the policy Madoguchi operates: used until an organisation saves its own. */
export const DEFAULT_REQUEST_SETTINGS: RequestSettings = {
  identity: {
    photoDocuments: [
      doc('drivers_license', '運転免許証', "Driver's licence"),
      doc('driving_record_certificate', '運転経歴証明書（2012年4月1日以降に交付されたもの）', 'Certificate of driving record (issued on or after 1 April 2012)'),
      doc('passport', 'パスポート（旅券）', 'Passport', {
        ja: '住所の記載がない場合は、住所を確認できる書類を1点添えてください。',
        en: 'If it shows no address, add one document that shows your address.',
      }),
      doc('my_number_card', 'マイナンバーカード（個人番号カード）', 'Individual Number Card (My Number Card)', {
        ja: '表面のみをお送りください。個人番号が記載された裏面は送らないでください。',
        en: 'Send the front only. Do not send the back, which shows your Individual Number.',
      }),
      doc('residence_card', '在留カード', 'Residence card'),
      doc('special_permanent_resident_certificate', '特別永住者証明書', 'Special permanent resident certificate'),
      doc('disability_handbook', '身体障害者手帳・精神障害者保健福祉手帳・療育手帳（写真付きのもの）', 'Disability certificate with a photograph'),
    ],
    photoDocumentsRequired: 1,
    nonPhotoDocuments: [
      doc('health_insurance', '健康保険の資格確認書・被保険者証', 'Health insurance eligibility certificate or card', {
        ja: '保険者番号、被保険者等記号・番号およびQRコードは見えないように隠してください。',
        en: "Cover the insurer number, the insured person's symbol and number, and the QR code.",
      }),
      doc('pension_book', '年金手帳・基礎年金番号通知書', 'Pension book or basic pension number notice', {
        ja: '基礎年金番号は見えないように隠してください。',
        en: 'Cover the basic pension number.',
      }),
      doc('resident_record', '住民票の写し（発行から3か月以内のもの）', 'Copy of your resident record (issued within the last three months)', {
        ja: '個人番号（マイナンバー）が記載されていないものをご用意ください。',
        en: 'Ask for a copy that does not show your Individual Number.',
      }),
      doc('seal_certificate', '印鑑登録証明書（発行から3か月以内のもの）', 'Certificate of seal registration (issued within the last three months)'),
      doc('child_allowance_certificate', '児童扶養手当証書・特別児童扶養手当証書', 'Child support allowance certificate'),
      doc('maternal_handbook', '母子健康手帳（母子ともに確認できるもの）', 'Maternal and child health handbook (for the mother and the child)'),
      doc('student_id', '学生証（写真のないもの）', 'Student card without a photograph'),
    ],
    nonPhotoDocumentsRequired: 2,
    statutoryAgentDocuments: [
      doc('family_register', '戸籍謄本または戸籍抄本（親権者の場合、発行から3か月以内）', 'Family register certificate (for a person with parental authority; issued within three months)'),
      doc('guardianship_registration', '成年後見登記事項証明書（成年後見人の場合、発行から3か月以内）', 'Certificate of registered guardianship matters (for a guardian of an adult ward; issued within three months)'),
    ],
    appointedAgentDocuments: [
      doc('power_of_attorney', '委任状（ご本人の実印を押印したもの）', "Power of attorney bearing the principal's registered seal"),
      doc('principal_seal_certificate', 'ご本人の印鑑登録証明書（発行から3か月以内）', "The principal's certificate of seal registration (issued within three months)"),
    ],
    agentIdentityRequired: true,
  },
  fees: {
    perRequest: {
      purpose_notification: 1000,
      disclosure: 1000,
      provision_record_disclosure: 1000,
      correction: 0,
      suspension: 0,
      stop_provision: 0,
    },
    paperDeliveryYen: null,
    specialMethodAtCost: true,
    bankTransfer: null,
  },
  deadlines: { targetDays: 14, escalationDays: 30, pauseWhileWaiting: true, replyDays: 14 },
  documentRetentionMonths: 12,
  delivery: { downloadLinkDays: 14, maxDownloads: 5 },
};
