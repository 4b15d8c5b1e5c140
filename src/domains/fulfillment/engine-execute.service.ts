// Carrying out an approved measure in the company's systems, after the officer approved the
// decision as done: a suspension executes the erasure run prepared when the request entered
// work (exactly the reviewed rows and values; resumable per collection), a correction applies
// the corrections written in the decision (`訂正 system:dataset.collection.field = value`,
// see correction-lines.rules.ts; without them the correction stays with staff), and a stop of
// provision flags the person's rows where the connections name a flag. Each result is recorded
// on the timeline once per decision; running it again after it completed does nothing.
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../lib/errors.ts';
import { SYSTEM_ACTOR, type Actor } from '../audit/audit.actions.ts';
import * as decisionRepo from '../requests/decision.repository.ts';
import { addEvent, findRequest, lockRequest, type RequestRow } from '../requests/request.core.ts';
import { parseCorrectionLines } from './correction-lines.rules.ts';
import * as deskRepo from './engine-desk.repository.ts';
import { engineActionFor, engineSetupFor, type EngineAction } from './engine-prepare.service.ts';
import * as repo from './engine.repository.ts';
import { executeErasureRun, runEngineCorrection, runEngineRestriction, type EngineContext } from './engine.service.ts';

export const EXECUTED_EVENT = 'fulfillment.executed';

/** Failures retrying cannot mend: the data map or the decision must change first. */
const PERMANENT_CODES = new Set(['missing_field', 'key_field', 'not_found', 'bad_value', 'not_supported']);

export type ExecutionStatus =
  /** Everything planned was done. */
  | 'completed'
  /** Some collections failed; retried by the job. */
  | 'partial'
  /** Done earlier for this decision: nothing was run. */
  | 'already_done'
  /** The decision gives no corrections the engine can apply: staff make them. */
  | 'left_to_staff'
  /** Not the engine's: no approved "done" for a measure, or nothing prepared or connected. */
  | 'not_applicable';

export interface ExecutionOutcome {
  status: ExecutionStatus;
  action: EngineAction | null;
  runId: string | null;
  changed: number;
  collections: Array<{ node: string; status: string; planned?: number; changed: number; error?: string }>;
  /** Failures worth retrying (the job throws when there are any). */
  retryable: Array<{ node: string; code: string }>;
}

const MEASURES: readonly EngineAction[] = ['erasure', 'correction', 'stop_provision'];

function outcome(status: ExecutionStatus, action: EngineAction | null, rest: Partial<ExecutionOutcome> = {}): ExecutionOutcome {
  return { status, action, runId: null, changed: 0, collections: [], retryable: [], ...rest };
}

async function alreadyDone(ctx: AppContext, requestId: string, decisionId: string): Promise<boolean> {
  const done = await deskRepo.listEventData(ctx.db, requestId, EXECUTED_EVENT);
  return done.some((d) => d.decisionId === decisionId && (d.status === 'completed' || d.status === 'left_to_staff'));
}

async function record(ctx: AppContext, row: RequestRow, actor: Actor, decisionId: string, result: ExecutionOutcome, text?: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await lockRequest(trx, row.id);
    await addEvent(trx, ctx, row.id, {
      kind: EXECUTED_EVENT,
      actor,
      data: {
        decisionId,
        action: result.action,
        status: result.status,
        runId: result.runId,
        changed: result.changed,
        failed: result.collections.filter((c) => c.status === 'failed').map((c) => `${c.node} (${c.error ?? 'failed'})`),
      },
      ...(text ? { text } : {}),
      visibleToRequester: false,
    });
  });
}

export interface ExecuteOptions {
  actor?: Actor;
  traceId?: string | null;
  engine?: EngineContext['options'];
}

/**
 * Executes the measure of the approved decision `decisionId` of a request. Safe to call again:
 * a completed execution is not repeated, a partial one resumes.
 */
export async function executeApprovedMeasure(ctx: AppContext, requestId: string, decisionId: string, options: ExecuteOptions = {}): Promise<ExecutionOutcome> {
  const actor = options.actor ?? SYSTEM_ACTOR;
  const row = await findRequest(ctx.db, requestId);
  if (!row) throw new AppError('not_found');
  const action = engineActionFor(row.type);
  const decision = await decisionRepo.findCurrentDecision(ctx.db, requestId);
  if (!action || !MEASURES.includes(action) || !decision || decision.id !== decisionId || decision.status !== 'approved' || decision.outcome !== 'done') {
    return outcome('not_applicable', action);
  }
  if (await alreadyDone(ctx, requestId, decisionId)) return outcome('already_done', action);
  const e: EngineContext = { ctx, env: { ...ctx.env }, actor, requestId, traceId: options.traceId ?? null, ...(options.engine ? { options: options.engine } : {}) };

  if (action === 'erasure') {
    const run = await deskRepo.findPreparedErasureRun(ctx.db, requestId);
    if (!run) return outcome('not_applicable', action);
    if (run.status === 'completed') {
      const result = outcome('already_done', action, { runId: run.id });
      await record(ctx, row, actor, decisionId, { ...result, status: 'completed' });
      return result;
    }
    const applied = await executeErasureRun(e, run.id);
    const collections = applied.collections
      .filter((c) => c.status !== 'nothing_to_do' && c.status !== 'skipped')
      .map((c) => ({ node: c.id, status: c.status, planned: c.planned, changed: c.changed, ...(c.error ? { error: c.error.code } : {}) }));
    const failed = applied.collections.filter((c) => c.status === 'failed').map((c) => ({ node: c.id, code: c.error?.code ?? 'failed' }));
    const result = outcome(failed.length > 0 ? 'partial' : 'completed', action, {
      runId: run.id,
      changed: applied.collections.reduce((n, c) => n + (c.status === 'changed' ? c.changed : 0), 0),
      collections,
      retryable: failed,
    });
    await record(ctx, row, actor, decisionId, result);
    return result;
  }

  const setup = await engineSetupFor(ctx, row);
  if (!setup.ok) return outcome('not_applicable', action);
  const { plan, subjects } = setup.setup;
  const earlierTasks = (await repo.listTasks(ctx.db, { requestId })).filter((t) => t.action === action);

  if (action === 'correction') {
    const details = decision.details_blob_id ? ((await ctx.vault.readJson(ctx.db, decision.details_blob_id)) as { details?: unknown }).details : null;
    const lines = parseCorrectionLines(typeof details === 'string' ? details : null);
    if (lines.length === 0) {
      const result = outcome('left_to_staff', action);
      await record(ctx, row, actor, decisionId, result, 'The decision names no corrections in the form the engine applies (訂正 system:dataset.collection.field = value): make the corrections in each system by hand.');
      return result;
    }
    const run = await runEngineCorrection(e, { plan, subjects, corrections: lines, saveTasks: earlierTasks.length === 0 });
    const collections = run.result.collections.map((c) => ({ node: c.id, status: c.status === 'corrected' && !c.confirmed ? 'failed' : c.status, changed: c.changed, ...(c.error ? { error: c.error.code } : c.status === 'corrected' && !c.confirmed ? { error: 'not_confirmed' } : {}) }));
    const failed = collections.filter((c) => c.status === 'failed').map((c) => ({ node: c.node, code: c.error ?? 'failed' }));
    const retryable = failed.filter((f) => !PERMANENT_CODES.has(f.code));
    const result = outcome(failed.length > 0 ? 'partial' : 'completed', action, { runId: run.runId, changed: collections.reduce((n, c) => n + c.changed, 0), collections, retryable });
    await record(ctx, row, actor, decisionId, result);
    return result;
  }

  const run = await runEngineRestriction(e, { plan, subjects, kind: 'stop_provision', saveTasks: earlierTasks.length === 0 });
  const collections = run.result.collections
    .filter((c) => c.status !== 'nothing_to_do')
    .map((c) => ({ node: c.id, status: c.status, changed: c.changed, ...(c.error ? { error: c.error.code } : {}) }));
  const failed = collections.filter((c) => c.status === 'failed').map((c) => ({ node: c.node, code: c.error ?? 'failed' }));
  const result = outcome(failed.length > 0 ? 'partial' : 'completed', action, {
    runId: run.runId,
    changed: collections.reduce((n, c) => n + c.changed, 0),
    collections,
    retryable: failed.filter((f) => !PERMANENT_CODES.has(f.code)),
  });
  await record(ctx, row, actor, decisionId, result);
  return result;
}

/**
 * Staff carry out (or resume) the erasure of an approved suspension by hand, e.g. after the
 * job gave up on a system that is back. Refused unless the decision was approved as done.
 */
export async function executeApprovedErasure(ctx: AppContext, requestId: string, actor: Actor, options: Omit<ExecuteOptions, 'actor'> = {}): Promise<ExecutionOutcome> {
  const row = await findRequest(ctx.db, requestId);
  if (!row) throw new AppError('not_found');
  const decision = await decisionRepo.findCurrentDecision(ctx.db, requestId);
  if (engineActionFor(row.type) !== 'erasure' || !decision || decision.status !== 'approved' || decision.outcome !== 'done') {
    throw new AppError('invalid_transition', {
      details: [{ path: 'decision', reason: 'not_approved_done', message: 'an erasure is carried out once a suspension decision is approved as done' }],
    });
  }
  if (!(await deskRepo.findPreparedErasureRun(ctx.db, requestId))) {
    throw new AppError('conflict', { details: [{ path: 'erasure', reason: 'not_prepared', message: 'no erasure was prepared for this request: the engine did not answer it' }] });
  }
  return executeApprovedMeasure(ctx, requestId, decision.id, { ...options, actor });
}
