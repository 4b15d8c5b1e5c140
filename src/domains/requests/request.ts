// The request desk's vocabulary: statuses, requester kinds, document roles, outcomes, the nine
// reasons of the policy for not disclosing (each mapped to its legal ground), and the schema of
// a public submission. Everything here is a public contract (the API, exports and letters use
// these codes): add values, never rename them.
import { z } from 'zod';
import { REQUEST_TYPES, type RequestType } from '../organization/request-settings.ts';
import type { Localized } from '../policies/localized.ts';

export { REQUEST_TYPES, type RequestType };

export const REQUEST_STATUSES = [
  'received', // submitted; the email address is not verified yet
  'identity_review',
  'awaiting_documents',
  'awaiting_fee',
  'in_progress',
  'in_review',
  'completed',
  'closed', // closed without disclosure or without the measure, with a reason
  'withdrawn',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const FINAL_STATUSES: readonly RequestStatus[] = ['completed', 'closed', 'withdrawn'];
/** The office waits on the requester in these; the answer clock may pause (settings). */
export const WAITING_ON_REQUESTER: readonly RequestStatus[] = ['awaiting_documents', 'awaiting_fee'];

export const REQUESTER_KINDS = ['principal', 'statutory_agent', 'appointed_agent'] as const;
export type RequesterKind = (typeof REQUESTER_KINDS)[number];

export const DELIVERY_METHODS = ['electronic', 'paper'] as const;
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];

export const DOCUMENT_ROLES = ['principal_identity', 'agent_identity', 'agent_authority', 'other'] as const;
export type DocumentRole = (typeof DOCUMENT_ROLES)[number];

/** What Madoguchi accepts as an uploaded document, recognised by content (never by name). */
export const UPLOAD_CONTENT_TYPES = ['image/jpeg', 'image/png', 'application/pdf', 'image/heic'] as const;
export type UploadContentType = (typeof UPLOAD_CONTENT_TYPES)[number];
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
export const MAX_DOCUMENTS_PER_REQUEST = 10;

/** Request types answered by disclosing data (full, partial or none). */
export const DISCLOSURE_TYPES: readonly RequestType[] = ['purpose_notification', 'disclosure', 'provision_record_disclosure'];
/** Request types answered by taking (or not taking) a measure. */
export const MEASURE_TYPES: readonly RequestType[] = ['correction', 'suspension', 'stop_provision'];

export const DISCLOSURE_OUTCOMES = ['full', 'partial', 'none'] as const;
export const MEASURE_OUTCOMES = ['done', 'not_done', 'alternative'] as const;
export const DECISION_OUTCOMES = [...DISCLOSURE_OUTCOMES, ...MEASURE_OUTCOMES] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export interface WithholdingReason {
  /** Its number in the policy's list (第3項 1–9). */
  number: number;
  label: Localized;
  /** The provision the reason rests on. */
  legalGround: Localized;
}

/** The policy's nine reasons for not disclosing, with the legal ground of each. */
export const WITHHOLDING_REASONS = {
  identity_unconfirmed: {
    number: 1,
    label: {
      ja: '請求書の記載事項と本人確認書類の内容が一致しない場合、または請求者がご本人であることを確認できない場合',
      en: 'The request form does not match the identity documents, or the requester could not be confirmed to be the person',
    },
    legalGround: { ja: '個人情報保護法第37条第1項、同法施行令第12条第3号', en: 'APPI Art. 37(1); Cabinet Order Art. 12(iii)' },
  },
  agent_authority_unconfirmed: {
    number: 2,
    label: { ja: '代理人による請求の場合に、代理権が確認できない場合', en: "The request was made by an agent whose authority could not be confirmed" },
    legalGround: { ja: '個人情報保護法第37条第3項、同法施行令第13条', en: 'APPI Art. 37(3); Cabinet Order Art. 13' },
  },
  documents_incomplete: {
    number: 3,
    label: { ja: '所定の申請書類に不備があった場合', en: 'The prescribed request documents were incomplete' },
    legalGround: { ja: '個人情報保護法第37条第1項', en: 'APPI Art. 37(1)' },
  },
  fee_unpaid: {
    number: 4,
    label: { ja: '所定の手数料が支払われなかった場合', en: 'The prescribed fee was not paid' },
    legalGround: { ja: '個人情報保護法第38条第1項', en: 'APPI Art. 38(1)' },
  },
  not_held: {
    number: 5,
    label: {
      ja: '請求の対象となる個人情報・個人データを当社が保有していない場合（保存期間の経過により削除した場合、匿名加工情報・仮名加工情報に加工済みの場合を含む）',
      en: 'We do not hold the personal information concerned (including data deleted after its retention period, or already made into anonymously or pseudonymously processed information)',
    },
    legalGround: { ja: '個人情報保護法第33条第3項', en: 'APPI Art. 33(3)' },
  },
  not_retained_personal_data: {
    number: 6,
    label: {
      ja: '請求の対象が個人情報保護法の「保有個人データ」に該当しない場合',
      en: 'What the request concerns is not "retained personal data" as the Act defines it',
    },
    legalGround: { ja: '個人情報保護法第16条第4項、同法施行令第5条', en: 'APPI Art. 16(4); Cabinet Order Art. 5' },
  },
  harm_to_interests: {
    number: 7,
    label: {
      ja: '本人または第三者の生命、身体、財産その他の権利利益を害するおそれがある場合、違法・不当な行為を助長・誘発するおそれがある場合、その他法令に基づき開示に応じない事由がある場合',
      en: 'Disclosure could harm the life, body, property or other rights and interests of the person or a third party, could encourage illegal or improper acts, or another legal ground applies',
    },
    legalGround: { ja: '個人情報保護法第33条第2項第1号', en: 'APPI Art. 33(2)(i)' },
  },
  business_impediment: {
    number: 8,
    label: {
      ja: '当社の業務の適正な実施に著しい支障を及ぼすおそれがある場合',
      en: 'Disclosure could seriously hinder the proper conduct of our business',
    },
    legalGround: { ja: '個人情報保護法第33条第2項第2号', en: 'APPI Art. 33(2)(ii)' },
  },
  violates_other_law: {
    number: 9,
    label: { ja: '他の法令に違反することとなる場合', en: 'Disclosure would violate another law or regulation' },
    legalGround: { ja: '個人情報保護法第33条第2項第3号', en: 'APPI Art. 33(2)(iii)' },
  },
} as const satisfies Record<string, WithholdingReason>;
export type WithholdingReasonCode = keyof typeof WITHHOLDING_REASONS;
export const WITHHOLDING_REASON_CODES = Object.keys(WITHHOLDING_REASONS) as WithholdingReasonCode[];

/** Why a request was closed by the desk itself (not by a decision). */
export const CLOSURE_REASONS = ['identity_unconfirmed', 'agent_authority_unconfirmed', 'documents_incomplete', 'fee_unpaid', 'email_not_verified'] as const;
export type ClosureReason = (typeof CLOSURE_REASONS)[number];

// ---------------------------------------------------------------------------------------
// The public submission (the `request` part of POST /api/public/requests).

const line = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'one line without control characters');
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*(?:\n[^\p{Cc}]*)*$/u, 'no control characters other than line breaks');

export const ZPostalAddress = z.strictObject({
  postalCode: z
    .string()
    .trim()
    .regex(/^\d{3}-?\d{4}$/, 'a Japanese postal code such as 105-0022')
    .optional(),
  text: line(300),
});

/** A calendar date YYYY-MM-DD that exists, not in the future, not before 1900. */
export const ZDateOfBirth = z.iso.date().refine((d) => d >= '1900-01-01' && d <= new Date().toISOString().slice(0, 10), {
  message: 'a real date of birth (YYYY-MM-DD), not in the future',
});

export const ZEmailAddress = z.email({ error: 'a valid email address' }).max(254);
export const ZPhone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9\- ()]{5,19}$/, 'a telephone number of digits, with - or spaces');

export const ZPersonDetails = z.strictObject({
  name: line(100),
  /** Reading in katakana or romaji, to help match records. */
  nameKana: line(100).optional(),
  address: ZPostalAddress,
  dateOfBirth: ZDateOfBirth,
  email: ZEmailAddress.optional(),
  phone: ZPhone.optional(),
});

export const ZAgentDetails = z.strictObject({
  name: line(100),
  address: ZPostalAddress,
  dateOfBirth: ZDateOfBirth.optional(),
  /** E.g. 親権者, 成年後見人, 弁護士. */
  relationship: line(100),
});

export const ZDeclaredDocument = z.strictObject({
  role: z.enum(DOCUMENT_ROLES),
  /** A code from the organisation's identity-document settings. */
  type: z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, 'a document code such as drivers_license'),
});

export const ZRequestSubmission = z.strictObject({
  type: z.enum(REQUEST_TYPES),
  language: z.enum(['ja', 'en']).default('ja'),
  requester: z.strictObject({
    kind: z.enum(REQUESTER_KINDS),
    /** Required when kind is an agent. */
    agent: ZAgentDetails.optional(),
  }),
  /** The person the data is about. */
  person: ZPersonDetails,
  /** Where Madoguchi writes: verified by a code before anything else happens. */
  contact: z.strictObject({ email: ZEmailAddress, phone: ZPhone.optional() }),
  concerns: z.strictObject({
    /** What the request is about: services used, accounts, periods. */
    description: text(4000),
    /** For a correction: what is wrong and what it should be. */
    correction: z.strictObject({ current: text(2000), requested: text(2000) }).optional(),
    /** For suspension and stopping provision: why (Art. 35 grounds as the person sees them). */
    grounds: text(2000).optional(),
  }),
  delivery: z.strictObject({ method: z.enum(DELIVERY_METHODS) }).default({ method: 'electronic' }),
  /** One entry per `documents` file part, in the same order. */
  documents: z.array(ZDeclaredDocument).max(MAX_DOCUMENTS_PER_REQUEST).default([]),
}).superRefine((v, ctx) => {
  if (v.requester.kind !== 'principal' && !v.requester.agent) {
    ctx.addIssue({ code: 'custom', path: ['requester', 'agent'], message: 'an agent must give their own details', params: { reason: 'agent_required' } });
  }
  if (v.requester.kind === 'principal' && v.requester.agent) {
    ctx.addIssue({ code: 'custom', path: ['requester', 'agent'], message: 'leave out agent details when you are the person', params: { reason: 'agent_not_expected' } });
  }
  if (v.type === 'correction' && !v.concerns.correction) {
    ctx.addIssue({ code: 'custom', path: ['concerns', 'correction'], message: 'say what is wrong and what it should be', params: { reason: 'required' } });
  }
  if (v.requester.kind === 'principal' && v.documents.some((d) => d.role === 'agent_identity' || d.role === 'agent_authority')) {
    ctx.addIssue({ code: 'custom', path: ['documents'], message: 'agent documents belong to an agent request', params: { reason: 'agent_documents_without_agent' } });
  }
});
export type RequestSubmission = z.output<typeof ZRequestSubmission>;

/** What the vault holds for a request (its subject blob): disposed at retention. */
export interface RequestSubject {
  person: RequestSubmission['person'];
  agent: RequestSubmission['requester']['agent'] | null;
  contact: RequestSubmission['contact'];
  concerns: RequestSubmission['concerns'];
}
