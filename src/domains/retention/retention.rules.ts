// What retention disposes of, as plain rules. The policy keeps submitted documents "for one
// year after the response is completed and then discards" them; accountability still needs to
// show what was asked, when, how it was answered and why something was withheld. So, once a
// request's retention date has passed, every piece of personal data Madoguchi stored for it is
// disposed of (its data key destroyed), and the record stays: the request row (type, dates,
// status, closure reason), decision outcomes with the withheld reason codes and their
// explanations, and the timeline's kinds and codes.
//
// Each disposed item names the rule it falls under, so the audit entry says what went, when,
// and why. The rules all run from the same date (the request's retention_until, set at
// completion from the configured months); they differ in what they cover.

/** The rules, each with what it covers (the audit log and the CLI name them). */
export const RETENTION_RULES = {
  documents_after_completion: 'identity, agency and other documents the requester submitted',
  contact_data_after_completion: "the person's and the agent's names, addresses, dates of birth and contact details, payer names, and the lookup hashes derived from them",
  correspondence_after_completion: 'free text on the timeline (notes, messages) and the emails sent about the request',
  answer_data_after_completion: 'what was found for the answer, decision details, letters and delivery packages',
} as const;
export type RetentionRule = keyof typeof RETENTION_RULES;

/** Kinds of disposed items, each under one rule. Add kinds, never rename them (audit contract). */
export const DISPOSAL_KIND_RULES = {
  document: 'documents_after_completion',
  subject: 'contact_data_after_completion',
  lookup_hashes: 'contact_data_after_completion',
  payer_name: 'contact_data_after_completion',
  event_text: 'correspondence_after_completion',
  email: 'correspondence_after_completion',
  finding_records: 'answer_data_after_completion',
  finding_file: 'answer_data_after_completion',
  decision_details: 'answer_data_after_completion',
  decision_letter: 'answer_data_after_completion',
  delivery_package: 'answer_data_after_completion',
  delivery_letter: 'answer_data_after_completion',
  engine_plan: 'answer_data_after_completion',
  task_checklist: 'answer_data_after_completion',
  task_result: 'answer_data_after_completion',
} as const satisfies Record<string, RetentionRule>;
export type DisposalKind = keyof typeof DISPOSAL_KIND_RULES;
export const DISPOSAL_KINDS = Object.keys(DISPOSAL_KIND_RULES) as DisposalKind[];

export interface DisposalItem {
  kind: DisposalKind;
  /** The vault blob disposed of; for `lookup_hashes`, the request whose hashes are cleared. */
  id: string;
  /** The row that pointed to it (document, event, payment, finding, decision, delivery, email). */
  rowId: string;
  rule: RetentionRule;
}

/** A request and the references to everything personal stored for it (ids only). */
export interface RetentionCandidate {
  request: {
    id: string;
    retentionUntil: Date | null;
    disposedAt: Date | null;
    subjectBlobId: string | null;
    hasLookupHashes: boolean;
  };
  documents: ReadonlyArray<{ id: string; blobId: string | null; status: string }>;
  events: ReadonlyArray<{ id: string; textBlobId: string | null }>;
  payments: ReadonlyArray<{ id: string; payerBlobId: string | null }>;
  findings: ReadonlyArray<{ id: string; recordsBlobId: string | null; fileBlobId: string | null }>;
  decisions: ReadonlyArray<{ id: string; detailsBlobId: string | null; letterBlobId: string | null }>;
  deliveries: ReadonlyArray<{ id: string; packageBlobId: string | null; letterBlobId: string | null }>;
  emails: ReadonlyArray<{ id: string; blobId: string }>;
  /** The fulfilment engine's stored plans (they name the identities searched for). */
  engineRuns: ReadonlyArray<{ id: string; planBlobId: string | null }>;
  /** Owners' manual tasks: the checklist (values to search for) and what the owner entered. */
  tasks: ReadonlyArray<{ id: string; checklistBlobId: string; resultBlobId: string | null }>;
  /** Blobs already disposed of earlier (a destroyed My Number side, a removed finding). */
  goneBlobIds: ReadonlySet<string>;
}

/** Due once the retention date has come (inclusive) and nothing was disposed of yet. */
export function isRetentionDue(request: Pick<RetentionCandidate['request'], 'retentionUntil' | 'disposedAt'>, now: Date): boolean {
  if (request.disposedAt !== null || request.retentionUntil === null) return false;
  return request.retentionUntil.getTime() <= now.getTime();
}

/** Everything to dispose of for `candidate` at `now`; empty when it is not due. */
export function disposalPlan(candidate: RetentionCandidate, now: Date): DisposalItem[] {
  if (!isRetentionDue(candidate.request, now)) return [];
  const items: DisposalItem[] = [];
  const seen = new Set<string>();
  const add = (kind: DisposalKind, blobId: string | null, rowId: string): void => {
    // One blob is disposed of once, even if two rows were to point at it.
    if (blobId === null || candidate.goneBlobIds.has(blobId) || seen.has(blobId)) return;
    seen.add(blobId);
    items.push({ kind, id: blobId, rowId, rule: DISPOSAL_KIND_RULES[kind] });
  };
  const { request } = candidate;
  for (const d of candidate.documents) {
    // A destroyed document (a My Number side) was disposed of when it was destroyed.
    if (d.status === 'received') add('document', d.blobId, d.id);
  }
  add('subject', request.subjectBlobId, request.id);
  if (request.hasLookupHashes) {
    items.push({ kind: 'lookup_hashes', id: request.id, rowId: request.id, rule: DISPOSAL_KIND_RULES.lookup_hashes });
  }
  for (const p of candidate.payments) add('payer_name', p.payerBlobId, p.id);
  for (const e of candidate.events) add('event_text', e.textBlobId, e.id);
  for (const m of candidate.emails) add('email', m.blobId, m.id);
  for (const f of candidate.findings) {
    add('finding_records', f.recordsBlobId, f.id);
    add('finding_file', f.fileBlobId, f.id);
  }
  for (const d of candidate.decisions) {
    add('decision_details', d.detailsBlobId, d.id);
    add('decision_letter', d.letterBlobId, d.id);
  }
  for (const d of candidate.deliveries) {
    add('delivery_package', d.packageBlobId, d.id);
    add('delivery_letter', d.letterBlobId, d.id);
  }
  for (const r of candidate.engineRuns) add('engine_plan', r.planBlobId, r.id);
  for (const t of candidate.tasks) {
    add('task_checklist', t.checklistBlobId, t.id);
    add('task_result', t.resultBlobId, t.id);
  }
  return items;
}

/** How many items of each kind (kinds with none left out). */
export function countByKind(items: readonly DisposalItem[]): Partial<Record<DisposalKind, number>> {
  const counts: Partial<Record<DisposalKind, number>> = {};
  for (const item of items) counts[item.kind] = (counts[item.kind] ?? 0) + 1;
  return counts;
}

/** The rules the items fall under, in the order of RETENTION_RULES. */
export function rulesApplied(items: readonly DisposalItem[]): RetentionRule[] {
  const used = new Set(items.map((i) => i.rule));
  return (Object.keys(RETENTION_RULES) as RetentionRule[]).filter((r) => used.has(r));
}

/**
 * The whole months from completion to the retention date (what the configured retention was
 * when the request completed); a month-end clamp (31 Jan → 28 Feb) still counts as a month.
 */
export function retentionMonths(completedAt: Date, retentionUntil: Date): number {
  const months =
    (retentionUntil.getUTCFullYear() - completedAt.getUTCFullYear()) * 12 + (retentionUntil.getUTCMonth() - completedAt.getUTCMonth());
  return Math.max(0, months);
}
