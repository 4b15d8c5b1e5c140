// Deciding a request: staff draft the answer (outcome, withheld parts with their reasons, the
// reason for a refusal, and what was done), each save a new version that supersedes the last
// draft; a handler submits it for review; the officer returns it for more work or approves it.
// Approval happens in one transaction: the letter is composed and rendered to PDF, stored
// encrypted, handed with the decision to delivery, the request moves to completed or closed
// (with the reason), and the requester is told. Outcome, reason codes, explanations and the
// withheld parts stay in plain columns as the record (they must not name the person); what was
// changed for a measure may, so it sits in the vault and goes at retention.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import type { WithheldPart } from '../../db/schema-requests.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { restrictionFromDecision } from '../consent/restriction.service.ts';
import { enqueueFulfillmentExecution } from '../fulfillment/engine.jobs.ts';
import { prepareDelivery } from '../delivery/delivery.service.ts';
import { composeDecisionLetter, type DecisionLetter } from '../delivery/letter.content.ts';
import { renderLetterPdf } from '../delivery/letter.pdf.ts';
import { minimalProfile, type OrganizationProfile } from '../organization/organization.ts';
import { getOrganizationState } from '../organization/organization.service.ts';
import {
  MAX_DETAILS_LENGTH,
  MAX_EXPLANATION_LENGTH,
  MAX_PART_LENGTH,
  MAX_WITHHELD_PARTS,
  PART_REASONS,
  closesRequest,
  decisionProblems,
  finalEventFor,
  isDecisionReasonCode,
  outcomesFor,
  reasonCodesOf,
  reasonsFor,
  type DecisionReasonCode,
} from './decision.rules.ts';
import * as repo from './decision.repository.ts';
import { canHappen } from './request-state.rules.ts';
import { addEvent, emailRequester, findRequest, lockRequest, readSubject, transition, type RequestRow } from './request.core.ts';
import { DECISION_OUTCOMES, type DecisionOutcome, type RequestStatus, type RequestType } from './request.ts';

type Ctx = Pick<AppContext, 'db' | 'vault' | 'clock' | 'config'>;

export interface Meta {
  /** The HTTP request id or job id under which the action happens. */
  requestId?: string | null;
}

export const DECISION_DETAILS_BLOB_KIND = 'request.decision_details';
export const LETTER_BLOB_KIND = 'request.letter';
/** Drafting is possible while the office works on the answer and while it is reviewed. */
export const DRAFTING_STATUSES: readonly RequestStatus[] = ['in_progress', 'in_review'];

const ZLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'one line without control characters');
const ZText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*(?:\r?\n[^\p{Cc}]*)*$/u, 'no control characters other than line breaks');
/** A reason code; which codes fit which answer is the rules' business (they say why). */
const ZReasonCode = z.string().regex(/^[a-z][a-z_]{0,47}$/, 'a reason code such as not_held');

export const ZWithheldPart = z.strictObject({
  /** Which part is withheld, described without naming the person (e.g. "internal assessment notes"). */
  part: ZLine(MAX_PART_LENGTH),
  reason: ZReasonCode,
  explanation: ZText(MAX_EXPLANATION_LENGTH),
});

export const ZDecisionDraft = z.strictObject({
  outcome: z.enum(DECISION_OUTCOMES),
  withheld: z.array(ZWithheldPart).max(MAX_WITHHELD_PARTS).default([]),
  reason: ZReasonCode.nullable().optional(),
  explanation: ZText(MAX_EXPLANATION_LENGTH).nullable().optional(),
  /** What was changed or done (a measure), or a note for the letter (a disclosure). Stored encrypted. */
  details: ZText(MAX_DETAILS_LENGTH).nullable().optional(),
  /** The version the editor started from (0: none yet); a save on top of another is refused (409). */
  expectedVersion: z.number().int().min(0).max(100_000).optional(),
});
export type TDecisionDraft = z.input<typeof ZDecisionDraft>;

export interface DecisionView {
  id: string;
  version: number;
  status: 'draft' | 'approved' | 'superseded';
  outcome: DecisionOutcome;
  withheld: WithheldPart[];
  reason: string | null;
  explanation: string | null;
  /** Decrypted; null when there are none or retention disposed of them. */
  details: string | null;
  draftedBy: string;
  draftedAt: Date;
  approvedBy: string | null;
  approvedAt: Date | null;
  hasLetter: boolean;
}

export interface DecisionChoices {
  outcomes: readonly DecisionOutcome[];
  /** Reasons a whole decision may give, per outcome that needs one. */
  reasons: Partial<Record<DecisionOutcome, readonly DecisionReasonCode[]>>;
  /** Reasons a withheld part may rest on (partial disclosure only). */
  partReasons: readonly DecisionReasonCode[];
}

export interface DecisionState {
  request: { id: string; type: RequestType; status: RequestStatus };
  current: DecisionView | null;
  history: Array<Pick<DecisionView, 'id' | 'version' | 'status' | 'outcome' | 'draftedBy' | 'draftedAt' | 'approvedBy' | 'approvedAt'>>;
  choices: DecisionChoices;
}

export function choicesFor(type: RequestType): DecisionChoices {
  const outcomes = outcomesFor(type);
  const reasons: Partial<Record<DecisionOutcome, readonly DecisionReasonCode[]>> = {};
  for (const o of outcomes) {
    const r = reasonsFor(type, o);
    if (r.length > 0) reasons[o] = r;
  }
  return { outcomes, reasons, partReasons: outcomes.includes('partial') ? PART_REASONS : [] };
}

function actorId(actor: Actor): string {
  return actor.id ?? actor.type;
}

async function readDetails(db: Db, ctx: Pick<AppContext, 'vault'>, blobId: string | null): Promise<string | null> {
  if (!blobId) return null;
  try {
    return ((await ctx.vault.readJson(db, blobId)) as { details: string }).details;
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return null;
    throw err;
  }
}

async function toView(db: Db, ctx: Pick<AppContext, 'vault'>, row: repo.DecisionRow): Promise<DecisionView> {
  return {
    id: row.id,
    version: row.version,
    status: row.status,
    outcome: row.outcome as DecisionOutcome,
    withheld: row.withheld,
    reason: row.reason,
    explanation: row.explanation,
    details: await readDetails(db, ctx, row.details_blob_id),
    draftedBy: row.drafted_by,
    draftedAt: row.drafted_at,
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
    hasLetter: row.letter_blob_id !== null,
  };
}

function notDrafting(row: RequestRow): AppError {
  return new AppError('invalid_transition', {
    details: [{ reason: 'invalid_transition', message: `a decision is drafted while the request is in progress or in review, not while it is "${row.status}"` }],
  });
}

function noDraft(): AppError {
  return new AppError('invalid_transition', {
    details: [{ reason: 'decision_draft_missing', message: 'there is no drafted decision to submit or approve; draft one first' }],
  });
}

/** The request's decision as it stands, its earlier versions, and the answers its type allows. */
export async function getDecision(ctx: Pick<AppContext, 'db' | 'vault'>, requestId: string): Promise<DecisionState> {
  const row = await findRequest(ctx.db, requestId);
  if (!row) throw new AppError('not_found');
  const versions = await repo.listDecisionVersions(ctx.db, requestId);
  const live = versions.find((v) => v.status !== 'superseded') ?? null;
  return {
    request: { id: row.id, type: row.type as RequestType, status: row.status as RequestStatus },
    current: live ? await toView(ctx.db, ctx, live) : null,
    history: versions.map((v) => ({
      id: v.id,
      version: v.version,
      status: v.status,
      outcome: v.outcome as DecisionOutcome,
      draftedBy: v.drafted_by,
      draftedAt: v.drafted_at,
      approvedBy: v.approved_by,
      approvedAt: v.approved_at,
    })),
    choices: choicesFor(row.type as RequestType),
  };
}

function blankToNull(text: string | null | undefined): string | null {
  return text === null || text === undefined || text.trim() === '' ? null : text.trim();
}

/** Saves a new version of the decision (the earlier draft is superseded). */
export async function draftDecision(ctx: Ctx, requestId: string, actor: Actor, input: TDecisionDraft, meta: Meta = {}): Promise<DecisionView> {
  const parsed = ZDecisionDraft.safeParse(input);
  if (!parsed.success) {
    throw new AppError('validation_failed', {
      details: parsed.error.issues.slice(0, 50).map((i) => ({ path: i.path.map(String).join('.'), reason: i.code, message: i.message })),
    });
  }
  const draft = {
    outcome: parsed.data.outcome,
    withheld: parsed.data.withheld.map((p) => ({ part: p.part, reason: p.reason, explanation: p.explanation })),
    reason: blankToNull(parsed.data.reason),
    explanation: blankToNull(parsed.data.explanation),
    details: blankToNull(parsed.data.details),
  };
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await lockRequest(trx, requestId);
    if (!DRAFTING_STATUSES.includes(row.status as RequestStatus)) throw notDrafting(row);
    const problems = decisionProblems(row.type as RequestType, draft);
    if (problems.length > 0) {
      throw new AppError('validation_failed', { details: problems.map((p) => ({ path: p.path.join('.'), reason: p.reason, message: p.message })) });
    }
    const latest = await repo.latestVersion(trx, requestId);
    if (parsed.data.expectedVersion !== undefined && parsed.data.expectedVersion !== latest) {
      throw new AppError('conflict', { details: [{ reason: 'decision_changed', message: `the decision is at version ${latest}; reload it before saving` }] });
    }
    const superseded = await repo.supersedeDrafts(trx, requestId);
    const detailsBlob = draft.details
      ? await ctx.vault.storeJson(trx, { kind: DECISION_DETAILS_BLOB_KIND, value: { details: draft.details }, now })
      : null;
    const inserted = await repo.insertDecision(trx, {
      id: newId('dec'),
      requestId,
      version: latest + 1,
      outcome: draft.outcome,
      withheld: draft.withheld,
      reason: draft.reason,
      explanation: draft.explanation,
      detailsBlobId: detailsBlob?.id ?? null,
      draftedBy: actorId(actor),
      draftedAt: now,
    });
    const record = {
      decisionId: inserted.id,
      version: inserted.version,
      outcome: draft.outcome,
      reasons: reasonCodesOf(draft),
      withheldParts: draft.withheld.length,
    };
    await addEvent(trx, ctx, requestId, { kind: 'decision.drafted', actor, data: record, visibleToRequester: false });
    await appendAudit(trx, {
      action: 'request.decision_recorded',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta.requestId ?? null,
      details: { stage: 'draft', ...record, superseded },
      at: now,
    });
    return toView(trx, ctx, inserted);
  });
}

/** Hands the drafted decision to the officer (in_progress → in_review). */
export async function submitForReview(ctx: Ctx, requestId: string, actor: Actor, meta: Meta = {}): Promise<{ request: RequestRow; decision: DecisionView }> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockRequest(trx, requestId);
    if (!canHappen(row.status as RequestStatus, 'submit_for_review')) throw notDrafting(row);
    const current = await repo.findCurrentDecision(trx, requestId);
    if (!current || current.status !== 'draft') throw noDraft();
    const updated = await transition(trx, ctx, row, {
      event: 'submit_for_review',
      actor,
      data: { decisionId: current.id, version: current.version, outcome: current.outcome },
      requestId: meta.requestId ?? null,
    });
    return { request: updated, decision: await toView(trx, ctx, current) };
  });
}

/** The officer sends the decision back for more work, saying why (an internal note). */
export async function returnForWork(ctx: Ctx, requestId: string, actor: Actor, note: string, meta: Meta = {}): Promise<{ request: RequestRow }> {
  const text = ZText(4000).safeParse(note);
  if (!text.success) throw new AppError('validation_failed', { details: [{ path: 'note', reason: 'required', message: 'say what needs more work (up to 4000 characters)' }] });
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockRequest(trx, requestId);
    const current = await repo.findCurrentDecision(trx, requestId);
    const updated = await transition(trx, ctx, row, {
      event: 'return_to_progress',
      actor,
      data: current ? { decisionId: current.id, version: current.version } : {},
      message: { text: text.data, visibleToRequester: false },
      requestId: meta.requestId ?? null,
    });
    return { request: updated };
  });
}

async function organizationProfile(db: Db): Promise<Pick<OrganizationProfile, 'name' | 'headOffice' | 'officer' | 'requestContact'>> {
  const state = await getOrganizationState(db);
  return state?.profile ?? minimalProfile({ ja: 'Madoguchi', en: 'Madoguchi' });
}

function feeOf(row: RequestRow): { status: 'paid' | 'waived'; amountYen: number } | null {
  if (row.fee_status === 'paid' || row.fee_status === 'waived') return { status: row.fee_status, amountYen: Number(row.fee_yen ?? 0) };
  return null;
}

/** The letter for `decision` on `row`, dated `at`, in the request's language. */
async function composeFor(db: Db, ctx: Pick<AppContext, 'vault'>, row: RequestRow, decision: repo.DecisionRow, at: Date): Promise<DecisionLetter> {
  const subject = await readSubject(db, ctx, row);
  const agent = row.requester_kind !== 'principal' ? (subject.agent?.name ?? null) : null;
  return composeDecisionLetter({
    language: row.language,
    organization: await organizationProfile(db),
    request: { reference: row.reference, type: row.type as RequestType, receivedAt: row.received_at, deliveryMethod: row.delivery_method },
    addressee: { name: subject.person.name, agentName: agent },
    decision: {
      outcome: decision.outcome as DecisionOutcome,
      withheld: decision.withheld.filter((p) => isDecisionReasonCode(p.reason)).map((p) => ({ part: p.part, reason: p.reason as DecisionReasonCode, explanation: p.explanation })),
      reason: decision.reason && isDecisionReasonCode(decision.reason) ? decision.reason : null,
      explanation: decision.explanation,
      details: await readDetails(db, ctx, decision.details_blob_id),
    },
    fee: feeOf(row),
    date: at,
  });
}

export interface ApprovalResult {
  request: RequestRow;
  decision: DecisionView;
  delivery: { deliveryId: string; method: 'electronic' | 'paper' };
}

/**
 * Approves the drafted decision (in_review → completed, or closed with the reason): renders and
 * stores the letter, prepares the delivery, moves the request and tells the requester, all in
 * one transaction. `expectedVersion`, when given, must be the draft the officer read.
 */
export async function approveDecision(ctx: AppContext, requestId: string, actor: Actor, options: { expectedVersion?: number } & Meta = {}): Promise<ApprovalResult> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const meta = options.requestId ?? null;
    const row = await lockRequest(trx, requestId);
    // Refuse before rendering anything: the state first, then the draft.
    if (!canHappen(row.status as RequestStatus, 'approve_completed')) {
      throw new AppError('invalid_transition', {
        details: [{ reason: 'invalid_transition', message: `a decision is approved while the request is in review, not while it is "${row.status}"` }],
      });
    }
    const draft = await repo.findCurrentDecision(trx, requestId);
    if (!draft || draft.status !== 'draft') throw noDraft();
    if (options.expectedVersion !== undefined && options.expectedVersion !== draft.version) {
      throw new AppError('conflict', { details: [{ reason: 'decision_changed', message: `the draft is at version ${draft.version}; read it again before approving` }] });
    }
    const outcome = draft.outcome as DecisionOutcome;
    const reasons = reasonCodesOf(draft);

    const letter = await composeFor(trx, ctx, row, draft, now);
    const pdf = await renderLetterPdf(letter);
    const letterBlob = await ctx.vault.store(trx, { kind: LETTER_BLOB_KIND, contentType: 'application/pdf', bytes: pdf, now });
    const approved = await repo.approveDraft(trx, draft.id, { approvedBy: actorId(actor), approvedAt: now, letterBlobId: letterBlob.id });
    if (!approved) throw new AppError('conflict');
    await appendAudit(trx, {
      action: 'request.decision_recorded',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta,
      details: { stage: 'approved', decisionId: draft.id, version: draft.version, outcome, reasons, withheldParts: draft.withheld.length },
      at: now,
    });
    await appendAudit(trx, {
      action: 'request.letter_generated',
      actor,
      target: { type: 'request', id: requestId },
      requestId: meta,
      details: { decisionId: draft.id, blobId: letterBlob.id, bytes: pdf.length, language: row.language },
      at: now,
    });

    const delivery = await prepareDelivery(trx, ctx, row, { id: draft.id, outcome, withheld: draft.withheld, letter }, pdf, { actor, requestId: meta });

    const closes = closesRequest(outcome);
    const updated = await transition(trx, ctx, row, {
      event: finalEventFor(outcome),
      actor,
      data: { decisionId: draft.id, version: draft.version, outcome, reasons, deliveryId: delivery.deliveryId, method: delivery.method },
      patch: closes ? { closed_reason: draft.reason } : {},
      requestId: meta,
    });
    // Consent store (issue 7): an approved suspension / stop of provision becomes a restriction.
    await restrictionFromDecision(trx, ctx, row, outcome, actor, { requestId: meta });
    // Fulfilment engine (issue 5): a measure approved as done is carried out after this commits.
    await enqueueFulfillmentExecution(trx, ctx, row, { id: draft.id, outcome });
    await emailRequester(
      trx,
      ctx,
      updated,
      'request.decision',
      {
        reference: row.reference,
        requestType: row.type as RequestType,
        outcome,
        reasons: reasons.slice(0, 20),
        followUp: delivery.method === 'paper' ? 'post' : 'download_link',
      },
      actor,
    );
    return { request: updated, decision: await toView(trx, ctx, approved), delivery };
  });
}

/**
 * The letter as staff see it: the stored PDF of the approved decision, or a rendering of the
 * current draft marked as such. `not_found` when there is no decision or retention disposed of it.
 */
export async function getLetterPdf(ctx: Pick<AppContext, 'db' | 'vault' | 'clock'>, requestId: string): Promise<{ pdf: Buffer; approved: boolean; version: number }> {
  const row = await findRequest(ctx.db, requestId);
  if (!row) throw new AppError('not_found');
  const decision = await repo.findCurrentDecision(ctx.db, requestId);
  if (!decision) throw new AppError('not_found');
  if (decision.status === 'approved') {
    if (!decision.letter_blob_id) throw new AppError('not_found');
    const { bytes } = await ctx.vault.read(ctx.db, decision.letter_blob_id);
    return { pdf: bytes, approved: true, version: decision.version };
  }
  const letter = await composeFor(ctx.db, ctx, row, decision, ctx.clock.now());
  const pdf = await renderLetterPdf(letter, { watermark: row.language === 'ja' ? '案（未承認）' : 'DRAFT – not approved' });
  return { pdf, approved: false, version: decision.version };
}
