// The decision on a request, for staff: read it (with the answers the request's type allows),
// save a draft, submit it for review, return it for more work, approve it (which renders the
// letter, prepares the delivery, closes or completes the request and tells the requester), and
// read the letter as a PDF. Handlers draft and submit; the officer returns and approves.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import {
  ZDecisionDraft,
  approveDecision,
  draftDecision,
  getDecision,
  getLetterPdf,
  returnForWork,
  submitForReview,
  type DecisionState,
  type DecisionView,
} from '../../../domains/requests/decision.service.ts';
import type { RequestRow } from '../../../domains/requests/request.core.ts';
import { DECISION_OUTCOMES, REQUEST_STATUSES, REQUEST_TYPES } from '../../../domains/requests/request.ts';
import { currentStaff, requirePermission } from '../../auth.ts';

const staffSession = [{ staffSession: [] }];
const tags = ['admin: request decisions'];

const ZParams = z.strictObject({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'a request id') });

const ZDecisionView = z.object({
  id: z.string(),
  version: z.number(),
  status: z.enum(['draft', 'approved', 'superseded']),
  outcome: z.enum(DECISION_OUTCOMES),
  withheld: z.array(z.object({ part: z.string(), reason: z.string(), explanation: z.string() })),
  reason: z.string().nullable(),
  explanation: z.string().nullable(),
  details: z.string().nullable(),
  draftedBy: z.string(),
  draftedAt: z.iso.datetime(),
  approvedBy: z.string().nullable(),
  approvedAt: z.iso.datetime().nullable(),
  hasLetter: z.boolean(),
});

const ZRequestState = z.object({
  id: z.string(),
  status: z.enum(REQUEST_STATUSES),
  closedReason: z.string().nullable(),
});

function decisionOut(d: DecisionView): z.infer<typeof ZDecisionView> {
  return {
    id: d.id,
    version: d.version,
    status: d.status,
    outcome: d.outcome,
    withheld: d.withheld.map((p) => ({ part: p.part, reason: p.reason, explanation: p.explanation })),
    reason: d.reason,
    explanation: d.explanation,
    details: d.details,
    draftedBy: d.draftedBy,
    draftedAt: d.draftedAt.toISOString(),
    approvedBy: d.approvedBy,
    approvedAt: d.approvedAt ? d.approvedAt.toISOString() : null,
    hasLetter: d.hasLetter,
  };
}

function requestOut(row: RequestRow): z.infer<typeof ZRequestState> {
  return { id: row.id, status: row.status as z.infer<typeof ZRequestState>['status'], closedReason: row.closed_reason };
}

const ZStateView = z.object({
  request: z.object({ id: z.string(), type: z.enum(REQUEST_TYPES), status: z.enum(REQUEST_STATUSES) }),
  decision: ZDecisionView.nullable(),
  history: z.array(
    z.object({
      id: z.string(),
      version: z.number(),
      status: z.enum(['draft', 'approved', 'superseded']),
      outcome: z.enum(DECISION_OUTCOMES),
      draftedBy: z.string(),
      draftedAt: z.iso.datetime(),
      approvedBy: z.string().nullable(),
      approvedAt: z.iso.datetime().nullable(),
    }),
  ),
  choices: z.object({
    outcomes: z.array(z.enum(DECISION_OUTCOMES)),
    reasons: z.record(z.string(), z.array(z.string())),
    partReasons: z.array(z.string()),
  }),
});

function stateOut(s: DecisionState): z.infer<typeof ZStateView> {
  return {
    request: s.request,
    decision: s.current ? decisionOut(s.current) : null,
    history: s.history.map((h) => ({
      id: h.id,
      version: h.version,
      status: h.status,
      outcome: h.outcome,
      draftedBy: h.draftedBy,
      draftedAt: h.draftedAt.toISOString(),
      approvedBy: h.approvedBy,
      approvedAt: h.approvedAt ? h.approvedAt.toISOString() : null,
    })),
    choices: {
      outcomes: [...s.choices.outcomes],
      reasons: Object.fromEntries(Object.entries(s.choices.reasons).map(([k, v]) => [k, [...(v ?? [])]])),
      partReasons: [...s.choices.partReasons],
    },
  };
}

export function requestDecisionRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/admin/requests/:id/decision',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags,
          summary: "The request's decision (the approved one or the current draft), its versions, and the answers its type allows",
          security: staffSession,
          params: ZParams,
          response: { 200: ZStateView },
        },
      },
      async (request) => stateOut(await getDecision(ctx, request.params.id)),
    );

    app.put(
      '/api/admin/requests/:id/decision',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: 'Save a draft of the decision (a new version; the earlier draft is superseded)',
          description:
            'Disclosure types answer `full`, `partial` (each withheld part with one reason of the policy and an explanation) or `none` (a reason and an explanation). Correction answers `done` (details: what was changed) or `not_done` (a reason and an explanation); suspension and stopping provision also `alternative` (reason `measure_difficult`, details: the measure taken). A wrong combination answers 400 with the rule in `details` (`required`, `not_expected`, `reason_not_allowed`, `outcome_not_for_type`). Possible while the request is in progress or in review. Explanations and parts stay in the record after retention: describe, do not name the person.',
          security: staffSession,
          params: ZParams,
          body: ZDecisionDraft,
          response: { 200: z.object({ decision: ZDecisionView }) },
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        const decision = await draftDecision(ctx, request.params.id, { type: 'staff', id: staff.id }, request.body, { requestId: request.id });
        return { decision: decisionOut(decision) };
      },
    );

    app.post(
      '/api/admin/requests/:id/decision/submit',
      {
        onRequest: requirePermission(ctx, 'requests.work'),
        schema: {
          tags,
          summary: 'Submit the drafted decision for review by the officer (in progress → in review)',
          description: 'Answers 409 `invalid_transition` when the request is not in progress or no draft exists (reason `decision_draft_missing`).',
          security: staffSession,
          params: ZParams,
          response: { 200: z.object({ request: ZRequestState, decision: ZDecisionView }) },
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        const result = await submitForReview(ctx, request.params.id, { type: 'staff', id: staff.id }, { requestId: request.id });
        return { request: requestOut(result.request), decision: decisionOut(result.decision) };
      },
    );

    app.post(
      '/api/admin/requests/:id/decision/return',
      {
        onRequest: requirePermission(ctx, 'requests.decide'),
        schema: {
          tags,
          summary: 'Return the decision for more work, with a note (in review → in progress)',
          security: staffSession,
          params: ZParams,
          body: z.strictObject({ note: z.string().trim().min(1).max(4000) }),
          response: { 200: z.object({ request: ZRequestState }) },
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        const result = await returnForWork(ctx, request.params.id, { type: 'staff', id: staff.id }, request.body.note, { requestId: request.id });
        return { request: requestOut(result.request) };
      },
    );

    app.post(
      '/api/admin/requests/:id/decision/approve',
      {
        onRequest: requirePermission(ctx, 'requests.decide'),
        schema: {
          tags,
          summary: 'Approve the drafted decision: the letter is generated, the delivery prepared, the request completed or closed, and the requester told',
          description:
            'Full, partial, done and alternative complete the request; none and not_done close it with the reason as `closedReason`. Send `expectedVersion` (the draft you read) to be refused with 409 `conflict` if it changed since. 409 `invalid_transition` when the request is not in review or has no draft.',
          security: staffSession,
          params: ZParams,
          body: z.strictObject({ expectedVersion: z.number().int().min(1).max(100_000).optional() }).default({}),
          response: {
            200: z.object({
              request: ZRequestState,
              decision: ZDecisionView,
              delivery: z.object({ id: z.string(), method: z.enum(['electronic', 'paper']) }),
            }),
          },
        },
      },
      async (request) => {
        const staff = currentStaff(request);
        const result = await approveDecision(ctx, request.params.id, { type: 'staff', id: staff.id }, {
          ...(request.body.expectedVersion === undefined ? {} : { expectedVersion: request.body.expectedVersion }),
          requestId: request.id,
        });
        return {
          request: requestOut(result.request),
          decision: decisionOut(result.decision),
          delivery: { id: result.delivery.deliveryId, method: result.delivery.method },
        };
      },
    );

    app.get(
      '/api/admin/requests/:id/decision/letter.pdf',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags,
          summary: 'The letter as a PDF: the one sent for an approved decision, or a preview of the draft (marked as such)',
          description: 'The header `x-letter-status` says `approved` or `draft`. 404 when there is no decision, or retention has disposed of the letter.',
          security: staffSession,
          params: ZParams,
        },
      },
      async (request, reply) => {
        const letter = await getLetterPdf(ctx, request.params.id);
        return reply
          .header('content-type', 'application/pdf')
          .header('content-disposition', `inline; filename="letter-v${letter.version}${letter.approved ? '' : '-draft'}.pdf"`)
          .header('cache-control', 'no-store')
          .header('x-letter-status', letter.approved ? 'approved' : 'draft')
          .send(letter.pdf);
      },
    );
  };
}
