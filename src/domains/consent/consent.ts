// The consent domain's vocabulary and its input schemas: who a subject is (a type and a value
// that only ever reach the database as a keyed hash), where a consent came from, the
// restrictions the request desk imposes, and the reasons a decision gives. These codes are a
// public contract of the API and the SDK: add values, never rename them.
import { z } from 'zod';
import type { ConsentAction, ConsentSource, RestrictionKind } from '../../db/schema-consent.ts';

export type { ConsentAction, ConsentSource, RestrictionKind };

/** What the value of a subject is. An application uses the one it knows the person by. */
export const SUBJECT_TYPES = ['email', 'user_id', 'customer_id', 'member_number', 'phone', 'device_id'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export const CONSENT_SOURCES = ['web', 'app', 'paper', 'import'] as const satisfies readonly ConsentSource[];
export const RESTRICTION_KINDS = ['suspension', 'stop_provision'] as const satisfies readonly RestrictionKind[];

/** Why a use is refused; each names what a person did or what the registry says. */
export const DENY_REASONS = ['not_declared', 'consent_required', 'consent_withdrawn', 'suspended_by_request', 'provision_stopped'] as const;
export type DenyReason = (typeof DENY_REASONS)[number];
/** Why a use is allowed: a purpose announced in the policy, or one the person consented to. */
export const ALLOW_REASONS = ['stated_purpose', 'consent_given'] as const;
export type AllowReason = (typeof ALLOW_REASONS)[number];
export type DecisionReason = DenyReason | AllowReason;

export const MAX_BATCH_SUBJECTS = 1000;
export const MAX_PURPOSES_PER_DECISION = 50;
export const MAX_RECIPIENT_LENGTH = 200;
export const MAX_SUBJECT_VALUE_LENGTH = 254;

const oneLine = /^[^\p{Cc}]*$/u;

export const ZSubject = z.strictObject({
  type: z.enum(SUBJECT_TYPES),
  value: z.string().trim().min(1).max(MAX_SUBJECT_VALUE_LENGTH).regex(oneLine, 'one line without control characters'),
});
export type TSubject = z.infer<typeof ZSubject>;

/** A purpose code as the registry writes it; an unknown one is a decision (not_declared), not an error. */
export const ZPurposeRef = z.string().regex(/^[a-z][a-z0-9_]{1,63}$/, 'a purpose code such as newsletter');

/** The recipient a provision goes to, as the company names it (e.g. a partner's code). */
export const ZRecipient = z
  .string()
  .trim()
  .min(1)
  .max(MAX_RECIPIENT_LENGTH)
  .regex(/^[^\p{Cc}]*$/u, 'one line without control characters');

export const ZDecisionItem = z.strictObject({
  subject: ZSubject,
  purposes: z.array(ZPurposeRef).min(1).max(MAX_PURPOSES_PER_DECISION),
  recipient: ZRecipient.optional(),
});
export type TDecisionItem = z.infer<typeof ZDecisionItem>;

export const ZDecisionBatch = z.strictObject({
  items: z.array(ZDecisionItem).min(1).max(MAX_BATCH_SUBJECTS),
});

/** The policy version shown to the person when they chose (a published version). */
export const ZPolicyVersionRef = z.strictObject({
  kind: z.string().regex(/^[a-z][a-z-]{1,40}$/, 'a policy kind such as company-policy'),
  number: z.number().int().min(1).max(1_000_000),
});

export const ZConsentInput = z.strictObject({
  subject: ZSubject,
  purposes: z.array(ZPurposeRef).min(1).max(MAX_PURPOSES_PER_DECISION),
  source: z.enum(CONSENT_SOURCES).default('app'),
  /** Defaults to the company policy in force. */
  policyVersion: ZPolicyVersionRef.optional(),
  /** Web consent only: the person's address and browser, stored as keyed hashes. */
  evidence: z
    .strictObject({
      ip: z.union([z.ipv4(), z.ipv6()]).optional(),
      userAgent: z.string().max(1000).regex(oneLine, 'one line').optional(),
    })
    .optional(),
});
export type TConsentInput = z.input<typeof ZConsentInput>;

export interface Restriction {
  id: string;
  kind: RestrictionKind;
  /** Suspension: the purposes suspended, or null for every purpose. */
  purposes: string[] | null;
  /** Stop of provision: the recipient, or null for every recipient. */
  recipient: string | null;
  requestId: string | null;
}

export interface PurposeFacts {
  code: string;
  basis: 'stated' | 'consent';
  active: boolean;
  version: number;
}

/** What is known about one subject when a decision is made. */
export interface SubjectState {
  consents: ReadonlyMap<string, ConsentAction>;
  restrictions: readonly Restriction[];
}

export interface PurposeDecision {
  purpose: string;
  allowed: boolean;
  reason: DecisionReason;
  /** For suspended_by_request and provision_stopped: the restriction and the request behind it. */
  restrictionId?: string;
  requestId?: string | null;
}
