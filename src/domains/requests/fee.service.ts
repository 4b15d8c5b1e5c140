// The fee of a request once it is asked: the actual cost staff add (paper at cost, a special
// method), payments recorded from the bank statement (the payer's name kept encrypted), and
// the officer's waiver. When the payments cover the fee, or it is waived, the request moves on
// to work and the requester is told. A request type without a fee refuses all of this with
// `fee_not_applicable` (APPI Art. 38 provides no fee for it).
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { MAX_FEE_YEN } from '../organization/request-settings.ts';
import { feeAllowed } from '../organization/request-settings.rules.ts';
import { getRequestSettings } from '../organization/organization.service.ts';
import * as repo from './desk.repository.ts';
import { ZStaffText, type Meta } from './desk.service.ts';
import { EXTRA_COST_BASES, extraCostProblem, feeFor } from './fee.rules.ts';
import { addEvent, emailRequester, lockRequest, transition, type RequestRow } from './request.core.ts';
import type { RequestStatus, RequestType } from './request.ts';

type Ctx = Pick<AppContext, 'db' | 'vault' | 'clock'>;

export const PAYER_BLOB_KIND = 'request.payer';

/** Before the fee is settled the amount may still change. */
const EXTRA_COST_STATUSES: readonly RequestStatus[] = ['received', 'identity_review', 'awaiting_documents', 'awaiting_fee'];

function requireFeeType(row: RequestRow): void {
  if (!feeAllowed(row.type as RequestType)) throw new AppError('fee_not_applicable');
}

function requireAwaitingFee(row: RequestRow): void {
  if (row.status !== 'awaiting_fee') {
    throw new AppError('invalid_transition', {
      details: [{ reason: 'invalid_transition', message: `the fee can only be settled while it is awaited, not while the request is "${row.status}"` }],
    });
  }
}

/** Today in Japan, as YYYY-MM-DD. */
function japanToday(now: Date): string {
  return new Date(now.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------
// Extra cost

export const ZExtraCost = z.strictObject({
  amountYen: z.number().int().min(0).max(MAX_FEE_YEN),
  basis: z
    .array(z.enum(EXTRA_COST_BASES))
    .min(1)
    .max(EXTRA_COST_BASES.length)
    .refine((b) => new Set(b).size === b.length, 'each basis once'),
});
export type TExtraCost = z.infer<typeof ZExtraCost>;

/**
 * Sets the actual cost added to the fee (replacing what was set before). While the fee is
 * awaited the amount asked changes with it and the requester receives the new amount.
 */
export async function setExtraCost(ctx: Ctx, requestId: string, input: TExtraCost, actor: Actor, meta: Meta = {}): Promise<RequestRow> {
  const extra = ZExtraCost.parse(input);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, requestId);
    requireFeeType(row);
    if (!EXTRA_COST_STATUSES.includes(row.status as RequestStatus)) {
      throw new AppError('invalid_transition', {
        details: [{ reason: 'fee_settled', message: `the fee can no longer change while the request is "${row.status}"` }],
      });
    }
    const settings = await getRequestSettings(trx);
    const request = { type: row.type as RequestType, deliveryMethod: row.delivery_method };
    const problem = extraCostProblem(settings, request, extra.basis, extra.amountYen);
    if (problem) {
      if (problem.reason === 'fee_not_applicable') throw new AppError('fee_not_applicable');
      throw new AppError('validation_failed', { details: [{ path: 'body.basis', reason: problem.reason, message: problem.message }] });
    }
    const fee = feeFor(settings, request, extra.amountYen);
    const awaiting = row.status === 'awaiting_fee';
    const updated = await repo.updateRequestColumns(trx, row, { fee_extra_yen: extra.amountYen, ...(awaiting ? { fee_yen: fee.totalYen } : {}) }, now);
    if (!updated) throw new AppError('conflict');
    await addEvent(trx, ctx, requestId, {
      kind: 'fee.extra_cost_set',
      actor,
      data: { extraYen: extra.amountYen, basis: extra.basis, totalYen: fee.totalYen },
      visibleToRequester: awaiting,
    });
    await appendAudit(trx, {
      action: 'request.fee_set',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { extraYen: extra.amountYen, basis: extra.basis, totalYen: fee.totalYen, baseYen: fee.baseYen, paperYen: fee.paperYen },
      at: now,
    });
    if (awaiting && updated.reply_due_at) {
      await emailRequester(
        trx,
        ctx,
        updated,
        'request.fee_required',
        {
          reference: row.reference,
          totalYen: fee.totalYen,
          baseYen: fee.baseYen,
          paperYen: fee.paperYen,
          extraYen: fee.extraYen,
          replyDueAt: updated.reply_due_at,
          bankTransfer: settings.fees.bankTransfer,
        },
        actor,
      );
    }
    return updated;
  });
}

// ---------------------------------------------------------------------------------------
// Payments

const ZLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'one line without control characters');

export const ZRecordPayment = z.strictObject({
  /** The day the money arrived, YYYY-MM-DD (Japan). */
  paidOn: z.iso.date(),
  amountYen: z.number().int().min(1).max(MAX_FEE_YEN),
  /** As the bank statement shows it (often katakana); kept encrypted. */
  payerName: ZLine(100).optional(),
  /** The bank's or the office's reference for the transfer. */
  reference: ZLine(100).optional(),
});
export type TRecordPayment = z.infer<typeof ZRecordPayment>;

export interface PaymentResult {
  request: RequestRow;
  paymentId: string;
  paidYen: number;
  outstandingYen: number;
  settled: boolean;
}

async function outstanding(db: Db, row: RequestRow): Promise<{ paid: number; outstanding: number }> {
  const paid = await repo.sumPayments(db, row.id);
  return { paid, outstanding: Math.max(0, (row.fee_yen ?? 0) - paid) };
}

/** Records one payment; when the payments cover the fee the request moves on to work. */
export async function recordPayment(ctx: Ctx, requestId: string, input: TRecordPayment, actor: Actor, meta: Meta = {}): Promise<PaymentResult> {
  const payment = ZRecordPayment.parse(input);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, requestId);
    requireFeeType(row);
    requireAwaitingFee(row);
    if (payment.paidOn > japanToday(now)) {
      throw new AppError('validation_failed', { details: [{ path: 'body.paidOn', reason: 'in_future', message: 'the day the money arrived cannot be in the future' }] });
    }
    const payer = payment.payerName
      ? await ctx.vault.storeJson(trx, { kind: PAYER_BLOB_KIND, value: { name: payment.payerName }, now })
      : null;
    const paymentId = newId('pay');
    await repo.insertPaymentRow(trx, {
      id: paymentId,
      requestId,
      kind: 'payment',
      amountYen: payment.amountYen,
      paidOn: payment.paidOn,
      payerBlobId: payer?.id ?? null,
      reference: payment.reference ?? null,
      recordedBy: actor.id ?? actor.type,
      now,
    });
    const sums = await outstanding(trx, row);
    await addEvent(trx, ctx, requestId, {
      kind: 'fee.payment_recorded',
      actor,
      data: { paymentId, amountYen: payment.amountYen, paidYen: sums.paid, outstandingYen: sums.outstanding },
    });
    await appendAudit(trx, {
      action: 'request.payment_recorded',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { paymentId, amountYen: payment.amountYen, paidOn: payment.paidOn, paidYen: sums.paid, outstandingYen: sums.outstanding },
      at: now,
    });
    let updated = row;
    const settled = sums.outstanding === 0;
    if (settled) {
      updated = await transition(trx, ctx, row, {
        event: 'fee_settled',
        actor,
        data: { paidYen: sums.paid },
        patch: { fee_status: 'paid', reply_due_at: null },
        requestId: meta.requestId ?? null,
      });
      await emailRequester(trx, ctx, updated, 'request.payment_received', { reference: row.reference, outcome: 'paid', amountYen: sums.paid }, actor);
    }
    return { request: updated, paymentId, paidYen: sums.paid, outstandingYen: sums.outstanding, settled };
  });
}

export const ZWaiveFee = z.strictObject({
  /** Why the office waives it (kept internal). */
  reason: ZStaffText,
});

/** Waives what is still owed; the request moves on to work and the requester is told. */
export async function waiveFee(ctx: Ctx, requestId: string, input: z.infer<typeof ZWaiveFee>, actor: Actor, meta: Meta = {}): Promise<PaymentResult> {
  const { reason } = ZWaiveFee.parse(input);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, requestId);
    requireFeeType(row);
    requireAwaitingFee(row);
    const sums = await outstanding(trx, row);
    const paymentId = newId('pay');
    await repo.insertPaymentRow(trx, {
      id: paymentId,
      requestId,
      kind: 'waiver',
      amountYen: sums.outstanding,
      paidOn: null,
      payerBlobId: null,
      reference: null,
      recordedBy: actor.id ?? actor.type,
      now,
    });
    await addEvent(trx, ctx, requestId, {
      kind: 'fee.waived',
      actor,
      data: { paymentId, waivedYen: sums.outstanding },
      text: reason,
      visibleToRequester: false,
    });
    await appendAudit(trx, {
      action: 'request.fee_waived',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { paymentId, waivedYen: sums.outstanding, paidYen: sums.paid },
      at: now,
    });
    const updated = await transition(trx, ctx, row, {
      event: 'fee_settled',
      actor,
      data: { waivedYen: sums.outstanding },
      patch: { fee_status: 'waived', reply_due_at: null },
      requestId: meta.requestId ?? null,
    });
    await emailRequester(trx, ctx, updated, 'request.payment_received', { reference: row.reference, outcome: 'waived' }, actor);
    return { request: updated, paymentId, paidYen: sums.paid, outstandingYen: 0, settled: true };
  });
}
