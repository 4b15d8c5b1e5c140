// Restrictions: a suspension of use (some or every purpose) or a stop of provision (to one
// recipient or to everyone) decided on a person's request under APPI Art. 35. The request desk
// applies them when it approves such a decision, in its own transaction; staff lift one when
// it no longer stands. Each is a change on the feed, so applications stop within seconds.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { parseOrThrow } from '../policies/validation.ts';
import { readSubject, type RequestRow } from '../requests/request.core.ts';
import type { DecisionOutcome } from '../requests/request.ts';
import { type Restriction, type RestrictionKind, type TSubject } from './consent.ts';
import * as repo from './consent.repository.ts';
import { toRestriction } from './consent.service.ts';
import { subjectKeyOf } from './subject-key.ts';

type Ctx = Pick<AppContext, 'vault' | 'clock'>;

export interface Meta {
  requestId?: string | null;
}

export interface RequestRestrictionInput {
  /** The data-subject request that decided the measure. */
  requestId: string;
  type: RestrictionKind;
  /** The identities the person is known by (each becomes a keyed hash). */
  subjects: readonly TSubject[];
  /** Suspension: the purposes suspended (absent: every purpose). */
  purposes?: readonly string[] | null;
  /** Stop of provision: the recipient (absent: every recipient). */
  recipient?: string | null;
  actor: Actor;
  meta?: Meta;
}

function restrictionData(r: Restriction, active: boolean): Record<string, unknown> {
  return { id: r.id, kind: r.kind, purposes: r.purposes, recipient: r.recipient, requestId: r.requestId, active };
}

/**
 * Records the restriction for each identity, inside the caller's transaction (the desk's
 * approval). Applying the same request twice changes nothing: a standing restriction of that
 * request for that person is kept. Returns the restrictions in force for the request.
 */
export async function applyRequestRestriction(trx: Db, ctx: Ctx, input: RequestRestrictionInput): Promise<Restriction[]> {
  const now = ctx.clock.now();
  const purposes = input.type === 'suspension' && input.purposes && input.purposes.length > 0 ? [...new Set(input.purposes)].sort() : null;
  const recipient = input.type === 'stop_provision' ? (input.recipient ?? null) : null;
  const out: Restriction[] = [];
  const keys = new Map<string, string>();
  for (const subject of input.subjects) keys.set(await subjectKeyOf(trx, ctx, subject), subject.type);
  for (const [key, subjectType] of keys) {
    const existing = await repo.findActiveForRequest(trx, input.requestId, input.type, key);
    if (existing) {
      out.push(toRestriction(existing));
      continue;
    }
    const restriction: Restriction = { id: newId('rst'), kind: input.type, purposes, recipient, requestId: input.requestId };
    await repo.ensureSubject(trx, key, subjectType, now);
    await repo.insertRestriction(trx, {
      id: restriction.id,
      subject_key: key,
      kind: restriction.kind,
      purposes,
      recipient,
      request_id: input.requestId,
      applied_at: now,
      applied_by_type: input.actor.type,
      applied_by_id: input.actor.id,
    });
    await appendAudit(trx, {
      action: 'restriction.applied',
      actor: input.actor,
      target: { type: 'consent_restriction', id: restriction.id },
      requestId: input.meta?.requestId ?? null,
      subjectRef: key,
      details: { kind: restriction.kind, requestId: input.requestId, purposes: purposes ?? 'all', recipientGiven: recipient !== null },
      at: now,
    });
    await repo.appendChanges(trx, [{ subjectKey: key, kind: 'restriction', data: restrictionData(restriction, true), at: now }]);
    out.push(restriction);
  }
  return out;
}

/** Request types whose approved measure is a restriction, and the outcomes that impose it:
 * the measure taken, or (Art. 35(2), (4), (6)) an alternative measure in its place. */
const RESTRICTING_TYPES: Readonly<Record<string, RestrictionKind>> = { suspension: 'suspension', stop_provision: 'stop_provision' };
const RESTRICTING_OUTCOMES: readonly DecisionOutcome[] = ['done', 'alternative'];

/**
 * The desk's hook: when a suspension or stop-of-provision decision is approved as done (or
 * with an alternative measure), the person's email from the request becomes a restriction.
 * The email is the person's own (or, when the person made the request, the contact address);
 * without one there is nobody to match and nothing is recorded.
 */
export async function restrictionFromDecision(
  trx: Db,
  ctx: Ctx,
  row: RequestRow,
  outcome: DecisionOutcome,
  actor: Actor,
  meta: Meta = {},
): Promise<Restriction[]> {
  const kind = RESTRICTING_TYPES[row.type];
  if (!kind || !RESTRICTING_OUTCOMES.includes(outcome)) return [];
  const subject = await readSubject(trx, ctx, row);
  const email = subject.person.email ?? (row.requester_kind === 'principal' ? subject.contact.email : undefined);
  if (!email) return [];
  return applyRequestRestriction(trx, ctx, { requestId: row.id, type: kind, subjects: [{ type: 'email', value: email }], actor, meta });
}

export const LIFT_REASONS = ['violation_remedied', 'request_withdrawn', 'recorded_in_error', 'person_consented'] as const;
export const ZLiftInput = z.strictObject({ reason: z.enum(LIFT_REASONS) });

/** Lifts a standing restriction; lifting one already lifted answers 409. */
export async function liftRestriction(ctx: AppContext, id: string, input: z.input<typeof ZLiftInput>, actor: Actor, meta: Meta = {}): Promise<RestrictionView> {
  const { reason } = parseOrThrow(ZLiftInput, input, '');
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await repo.lockRestriction(trx, id);
    if (!row) throw new AppError('not_found');
    if (row.lifted_at !== null) throw new AppError('conflict', { details: [{ reason: 'already_lifted', message: 'this restriction was lifted already' }] });
    await repo.markLifted(trx, id, { at: now, byType: actor.type, byId: actor.id, reason });
    await appendAudit(trx, {
      action: 'restriction.lifted',
      actor,
      target: { type: 'consent_restriction', id },
      requestId: meta.requestId ?? null,
      subjectRef: row.subject_key,
      details: { kind: row.kind, requestId: row.request_id, reason },
      at: now,
    });
    await repo.appendChanges(trx, [{ subjectKey: row.subject_key, kind: 'restriction', data: restrictionData(toRestriction(row), false), at: now }]);
    return toRestrictionView({ ...row, lifted_at: now, lifted_by_type: actor.type, lifted_by_id: actor.id, lift_reason: reason });
  });
}

export interface RestrictionView extends Restriction {
  subjectKey: string;
  appliedAt: Date;
  appliedBy: { type: string; id: string | null };
  liftedAt: Date | null;
  liftReason: string | null;
}

export function toRestrictionView(row: repo.RestrictionRow): RestrictionView {
  return {
    ...toRestriction(row),
    subjectKey: row.subject_key,
    appliedAt: row.applied_at,
    appliedBy: { type: row.applied_by_type, id: row.applied_by_id },
    liftedAt: row.lifted_at,
    liftReason: row.lift_reason,
  };
}

export const RESTRICTION_LIST_LIMIT = 500;

export async function listRestrictions(db: Db, filters: repo.RestrictionFilters): Promise<RestrictionView[]> {
  return (await repo.listRestrictions(db, filters, RESTRICTION_LIST_LIMIT)).map(toRestrictionView);
}

