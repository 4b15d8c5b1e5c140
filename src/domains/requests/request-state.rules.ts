// The life of a request as an explicit state machine. Every change of status goes through
// `nextStatus`, which answers the new status or refuses with `invalid_transition` (409); the
// table below is the whole of what may happen.
//
//   received ──verify email──► identity_review ⇄ awaiting_documents
//   identity_review ──verified──► awaiting_fee (a fee applies) ──paid/waived──► in_progress
//                   └─verified, no fee──────────────────────────────────────► in_progress
//   in_progress ──submit for review──► in_review ──approve──► completed | closed (no disclosure)
//   in_review ──return──► in_progress
//   identity_review ──cannot verify──► closed;  awaiting_documents ──deadline──► closed
//   awaiting_fee ──deadline──► closed;  any open status ──withdraw──► withdrawn
import { AppError } from '../../lib/errors.ts';
import { FINAL_STATUSES, WAITING_ON_REQUESTER, type RequestStatus } from './request.ts';

export const REQUEST_EVENTS = [
  'verify_email',
  'expire_unverified',
  'request_documents',
  'documents_received',
  'documents_deadline_passed',
  'identity_verified_fee_due',
  'identity_verified',
  'identity_rejected',
  'fee_settled',
  'fee_deadline_passed',
  'submit_for_review',
  'return_to_progress',
  'approve_completed',
  'approve_closed',
  'withdraw',
] as const;
export type RequestEvent = (typeof REQUEST_EVENTS)[number];

const TABLE: Record<RequestEvent, { from: readonly RequestStatus[]; to: RequestStatus }> = {
  verify_email: { from: ['received'], to: 'identity_review' },
  expire_unverified: { from: ['received'], to: 'closed' },
  request_documents: { from: ['identity_review'], to: 'awaiting_documents' },
  documents_received: { from: ['awaiting_documents'], to: 'identity_review' },
  documents_deadline_passed: { from: ['awaiting_documents'], to: 'closed' },
  identity_verified_fee_due: { from: ['identity_review'], to: 'awaiting_fee' },
  identity_verified: { from: ['identity_review'], to: 'in_progress' },
  identity_rejected: { from: ['identity_review'], to: 'closed' },
  fee_settled: { from: ['awaiting_fee'], to: 'in_progress' },
  fee_deadline_passed: { from: ['awaiting_fee'], to: 'closed' },
  submit_for_review: { from: ['in_progress'], to: 'in_review' },
  return_to_progress: { from: ['in_review'], to: 'in_progress' },
  approve_completed: { from: ['in_review'], to: 'completed' },
  approve_closed: { from: ['in_review'], to: 'closed' },
  withdraw: {
    from: ['received', 'identity_review', 'awaiting_documents', 'awaiting_fee', 'in_progress', 'in_review'],
    to: 'withdrawn',
  },
};

/** The status `event` leads to from `from`, or `invalid_transition`. */
export function nextStatus(from: RequestStatus, event: RequestEvent): RequestStatus {
  const rule = TABLE[event];
  if (!rule.from.includes(from)) {
    throw new AppError('invalid_transition', {
      details: [{ reason: 'invalid_transition', message: `"${event}" is not possible while the request is "${from}"` }],
    });
  }
  return rule.to;
}

export function canHappen(from: RequestStatus, event: RequestEvent): boolean {
  return TABLE[event].from.includes(from);
}

/** The events possible from a status (the desk shows these as the available actions). */
export function eventsFrom(from: RequestStatus): RequestEvent[] {
  return REQUEST_EVENTS.filter((e) => TABLE[e].from.includes(from));
}

export function isFinal(status: RequestStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export function isWaitingOnRequester(status: RequestStatus): boolean {
  return WAITING_ON_REQUESTER.includes(status);
}

const DAY_MS = 86_400_000;

export interface ClockState {
  dueAt: Date;
  escalationAt: Date;
  pausedAt: Date | null;
  pausedMs: number;
}

/** The answer clock at receipt: the target and escalation days run from receipt. */
export function initialClock(receivedAt: Date, deadlines: { targetDays: number; escalationDays: number }): ClockState {
  return {
    dueAt: new Date(receivedAt.getTime() + deadlines.targetDays * DAY_MS),
    escalationAt: new Date(receivedAt.getTime() + deadlines.escalationDays * DAY_MS),
    pausedAt: null,
    pausedMs: 0,
  };
}

/**
 * The clock after moving from `from` to `to` at `now`. While the office waits on the requester
 * (documents, the fee) the clock pauses when `pauseWhileWaiting` is set: the time spent waiting
 * is added to both deadlines when the request moves on.
 */
export function clockAfter(
  clock: ClockState,
  from: RequestStatus,
  to: RequestStatus,
  now: Date,
  pauseWhileWaiting: boolean,
): ClockState {
  let next = { ...clock };
  if (next.pausedAt && (!isWaitingOnRequester(to) || isFinal(to))) {
    const waited = Math.max(0, now.getTime() - next.pausedAt.getTime());
    next = {
      dueAt: new Date(next.dueAt.getTime() + waited),
      escalationAt: new Date(next.escalationAt.getTime() + waited),
      pausedAt: null,
      pausedMs: next.pausedMs + waited,
    };
  }
  if (pauseWhileWaiting && isWaitingOnRequester(to) && !isWaitingOnRequester(from) && !next.pausedAt) {
    next.pausedAt = now;
  }
  return next;
}
