// Response shapes of the consent API (allowlists: a column added later never leaks) and the
// functions that map domain objects onto them. Shared by the app and admin routes.
import { z } from 'zod';
import { ALLOW_REASONS, CONSENT_SOURCES, DENY_REASONS, RESTRICTION_KINDS } from './consent.ts';
import type { PurposeDecision, Restriction } from './consent.ts';
import type { ConsentHistory, RecordedConsent } from './consent.service.ts';
import type { RestrictionView } from './restriction.service.ts';

const iso = (d: Date) => d.toISOString();

export const ZDecisionView = z.object({
  purpose: z.string(),
  allowed: z.boolean(),
  reason: z.enum([...DENY_REASONS, ...ALLOW_REASONS]),
  restrictionId: z.string().optional(),
  requestId: z.string().nullable().optional(),
});

export function toDecisionView(d: PurposeDecision): z.infer<typeof ZDecisionView> {
  return {
    purpose: d.purpose,
    allowed: d.allowed,
    reason: d.reason,
    ...(d.restrictionId !== undefined ? { restrictionId: d.restrictionId, requestId: d.requestId ?? null } : {}),
  };
}

const ZNotice = z.object({ kind: z.string(), number: z.number() }).nullable();
const ZSource = z.enum(CONSENT_SOURCES);
const ZAction = z.enum(['granted', 'withdrawn']);

export const ZRecordedConsentView = z.object({
  receiptId: z.string(),
  receiptHash: z.string(),
  subjectKey: z.string(),
  action: ZAction,
  purposes: z.array(z.string()),
  source: ZSource,
  notice: ZNotice,
  at: z.iso.datetime(),
  seq: z.number(),
  receipt: z.record(z.string(), z.unknown()),
});

export function toRecordedConsentView(r: RecordedConsent): z.infer<typeof ZRecordedConsentView> {
  return { ...r, at: iso(r.at) };
}

export const ZRestriction = z.object({
  id: z.string(),
  kind: z.enum(RESTRICTION_KINDS),
  purposes: z.array(z.string()).nullable(),
  recipient: z.string().nullable(),
  requestId: z.string().nullable(),
});

export function toRestrictionJson(r: Restriction): z.infer<typeof ZRestriction> {
  return { id: r.id, kind: r.kind, purposes: r.purposes, recipient: r.recipient, requestId: r.requestId };
}

export const ZRestrictionView = ZRestriction.extend({
  subjectKey: z.string(),
  appliedAt: z.iso.datetime(),
  appliedBy: z.object({ type: z.string(), id: z.string().nullable() }),
  liftedAt: z.iso.datetime().nullable(),
  liftReason: z.string().nullable(),
});

export function toRestrictionView(r: RestrictionView): z.infer<typeof ZRestrictionView> {
  return {
    ...toRestrictionJson(r),
    subjectKey: r.subjectKey,
    appliedAt: iso(r.appliedAt),
    appliedBy: r.appliedBy,
    liftedAt: r.liftedAt ? iso(r.liftedAt) : null,
    liftReason: r.liftReason,
  };
}

export const ZHistoryView = z.object({
  subjectKey: z.string(),
  current: z.array(z.object({ purpose: z.string(), state: ZAction, source: ZSource, updatedAt: z.iso.datetime() })),
  events: z.array(z.object({ id: z.string(), receiptId: z.string(), purpose: z.string(), purposeVersion: z.number(), action: ZAction, source: ZSource, at: z.iso.datetime() })),
  receipts: z.array(
    z.object({ id: z.string(), action: ZAction, source: ZSource, notice: ZNotice, receiptHash: z.string(), at: z.iso.datetime(), receipt: z.record(z.string(), z.unknown()) }),
  ),
  restrictions: z.array(ZRestriction.extend({ appliedAt: z.iso.datetime(), liftedAt: z.iso.datetime().nullable(), liftReason: z.string().nullable() })),
});

export function toHistoryView(h: ConsentHistory): z.infer<typeof ZHistoryView> {
  return {
    subjectKey: h.subjectKey,
    current: h.current.map((c) => ({ ...c, updatedAt: iso(c.updatedAt) })),
    events: h.events.map((e) => ({ ...e, at: iso(e.at) })),
    receipts: h.receipts.map((r) => ({ ...r, at: iso(r.at) })),
    restrictions: h.restrictions.map((r) => ({ ...toRestrictionJson(r), appliedAt: iso(r.appliedAt), liftedAt: r.liftedAt ? iso(r.liftedAt) : null, liftReason: r.liftReason })),
  };
}
