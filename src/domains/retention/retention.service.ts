// Retention runs: for every request whose retention date has come, dispose of what the rules
// list (retention.rules.ts) by destroying the data keys in the vault, clear the lookup
// hashes, mark the documents and the request disposed, and record it all on the timeline and
// in one audit entry per request. Each request is its own transaction under the request's row
// lock, and the disposed mark is re-checked under that lock, so two runs at once (the daily
// job and an operator's `madoguchi retention run`) never dispose of anything twice. A dry run
// reads the same plan and changes nothing.
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { AppError } from '../../lib/errors.ts';
import { addEvent, findRequest, lockRequest, type RequestRow } from '../requests/request.core.ts';
import * as repo from './retention.repository.ts';
import {
  countByKind,
  disposalPlan,
  isRetentionDue,
  retentionMonths,
  rulesApplied,
  type DisposalItem,
  type RetentionCandidate,
} from './retention.rules.ts';

export const RETENTION_ACTOR: Actor = { type: 'system', id: 'job:retention' };

/** The audit entry lists at most this many items; the counts always cover all of them. */
export const AUDIT_ITEM_LIMIT = 200;
const PAGE_SIZE = 100;

export interface RetentionOptions {
  /** The instant the retention dates are compared with. */
  now: Date;
  dryRun: boolean;
  actor?: Actor;
  /** The job id or HTTP request id the run belongs to (for the audit entries). */
  requestId?: string | null;
}

export interface RetentionRequestReport {
  id: string;
  reference: string;
  type: string;
  status: string;
  completedAt: Date | null;
  retentionUntil: Date;
  items: DisposalItem[];
}

export interface RetentionRun {
  asOf: Date;
  dryRun: boolean;
  /** The requests disposed of (or, in a dry run, that would be), oldest retention date first. */
  requests: RetentionRequestReport[];
  /** Requests whose data this run disposed of (0 in a dry run). */
  disposed: number;
  /** Items disposed of (in a dry run: that would be). */
  items: number;
  /** Requests whose disposal failed (rolled back; the next run tries again), with the error's name. */
  failed: Array<{ id: string; error: string }>;
}

type Ctx = Pick<AppContext, 'db' | 'vault' | 'clock' | 'logger'>;

async function candidateFor(db: Db, row: RequestRow): Promise<RetentionCandidate> {
  const refs = await repo.loadStoredReferences(db, row.id);
  const blobIds = [
    ...(row.subject_blob_id ? [row.subject_blob_id] : []),
    ...refs.documents.flatMap((d) => (d.blobId ? [d.blobId] : [])),
    ...refs.events.flatMap((e) => (e.textBlobId ? [e.textBlobId] : [])),
    ...refs.payments.flatMap((p) => (p.payerBlobId ? [p.payerBlobId] : [])),
    ...refs.findings.flatMap((f) => [f.recordsBlobId, f.fileBlobId].filter((id): id is string => id !== null)),
    ...refs.decisions.flatMap((d) => [d.detailsBlobId, d.letterBlobId].filter((id): id is string => id !== null)),
    ...refs.deliveries.flatMap((d) => [d.packageBlobId, d.letterBlobId].filter((id): id is string => id !== null)),
    ...refs.emails.map((m) => m.blobId),
  ];
  return {
    request: {
      id: row.id,
      retentionUntil: row.retention_until,
      disposedAt: row.disposed_at,
      subjectBlobId: row.subject_blob_id,
      hasLookupHashes: row.email_lookup !== null || row.name_lookup !== null,
    },
    ...refs,
    goneBlobIds: await repo.findGoneBlobs(db, blobIds),
  };
}

function reportOf(row: RequestRow, retentionUntil: Date, items: DisposalItem[]): RetentionRequestReport {
  return { id: row.id, reference: row.reference, type: row.type, status: row.status, completedAt: row.completed_at, retentionUntil, items };
}

/** Plans one request without changing anything; null when it is not (or no longer) due. */
async function previewOne(ctx: Ctx, id: string, now: Date): Promise<RetentionRequestReport | null> {
  const row = await findRequest(ctx.db, id);
  if (!row || !row.retention_until || !isRetentionDue({ retentionUntil: row.retention_until, disposedAt: row.disposed_at }, now)) return null;
  return reportOf(row, row.retention_until, disposalPlan(await candidateFor(ctx.db, row), now));
}

/** Disposes of one request's personal data in one transaction; null when someone else already did. */
async function disposeOne(ctx: Ctx, id: string, options: RetentionOptions): Promise<{ report: RetentionRequestReport; disposedItems: number } | null> {
  const actor = options.actor ?? RETENTION_ACTOR;
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockRequest(trx, id);
    // Re-checked under the lock: a concurrent run may have disposed of it since it was listed.
    const retentionUntil = row.retention_until;
    if (!retentionUntil || !isRetentionDue({ retentionUntil, disposedAt: row.disposed_at }, options.now)) return null;
    const items = disposalPlan(await candidateFor(trx, row), options.now);
    const at = ctx.clock.now();
    let disposedItems = 0;
    for (const item of items) {
      if (item.kind === 'lookup_hashes') {
        disposedItems += 1;
        continue;
      }
      // Destroys the data key and the ciphertext; false when it was already gone.
      if (await ctx.vault.dispose(trx, item.id, at)) disposedItems += 1;
    }
    await repo.markDocumentsDisposed(
      trx,
      row.id,
      items.filter((i) => i.kind === 'document').map((i) => i.rowId),
      at,
    );
    if (!(await repo.markRequestDisposed(trx, row.id, row.version, at))) return null;
    const counts = countByKind(items);
    const rules = rulesApplied(items);
    const months = row.completed_at ? retentionMonths(row.completed_at, retentionUntil) : null;
    await addEvent(trx, ctx, row.id, {
      kind: 'retention.disposed',
      actor,
      data: { rules, months, counts },
      visibleToRequester: false,
    });
    await appendAudit(trx, {
      action: 'request.retention_disposed',
      actor,
      target: { type: 'request', id: row.id },
      requestId: options.requestId ?? null,
      details: {
        asOf: options.now.toISOString(),
        completedAt: row.completed_at ? row.completed_at.toISOString() : null,
        retentionUntil: retentionUntil.toISOString(),
        months,
        rules,
        counts,
        // Ids and kinds only: none of them is personal data.
        items: items.slice(0, AUDIT_ITEM_LIMIT).map((i) => ({ kind: i.kind, id: i.id, rule: i.rule })),
        itemsTotal: items.length,
      },
      at,
    });
    return { report: reportOf(row, retentionUntil, items), disposedItems };
  });
}

/**
 * Disposes of (or, with `dryRun`, lists) the personal data of every request whose retention
 * date is at or before `now`. Safe to run at the same time as another run, and to run again.
 */
export async function runRetention(ctx: Ctx, options: RetentionOptions): Promise<RetentionRun> {
  const run: RetentionRun = { asOf: options.now, dryRun: options.dryRun, requests: [], disposed: 0, items: 0, failed: [] };
  let after: repo.DueRequest | null = null;
  for (;;) {
    const page = await repo.listDueRequests(ctx.db, options.now, after, PAGE_SIZE);
    for (const due of page) {
      if (options.dryRun) {
        const report = await previewOne(ctx, due.id, options.now);
        if (!report) continue;
        run.requests.push(report);
        run.items += report.items.length;
        continue;
      }
      let done: Awaited<ReturnType<typeof disposeOne>>;
      try {
        done = await disposeOne(ctx, due.id, options);
      } catch (err) {
        // One request's failure (rolled back whole) must not keep the others' data any longer.
        const error = err instanceof AppError ? err.code : err instanceof Error ? err.name : 'unknown';
        run.failed.push({ id: due.id, error });
        ctx.logger.error({ requestId: due.id, error }, 'retention: disposal failed; it is retried on the next run');
        continue;
      }
      if (!done) continue;
      run.requests.push(done.report);
      run.disposed += 1;
      run.items += done.disposedItems;
      ctx.logger.info({ requestId: due.id, items: done.disposedItems }, 'retention: request data disposed of');
    }
    const last = page[page.length - 1];
    if (!last || page.length < PAGE_SIZE) break;
    after = last;
  }
  return run;
}
