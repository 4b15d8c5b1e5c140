// The fulfilment engine inside Madoguchi: runs of access, erasure, correction and restriction
// for a request (or for staff without one), with stored connections, audit entries (ids,
// counts and hashes only), manual tasks kept encrypted, and erasure runs persisted so a worker
// killed mid-way resumes per collection. Network I/O never happens inside a transaction: each
// step commits its own small record. The request desk's engine provider (a later change) calls
// runEngineAccess and hands the collections to addEngineFindings.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { Db } from '../../db/database.ts';
import type { FulfillmentRunAction } from '../../db/schema-fulfillment.ts';
import type { ManualChecklist } from '../../connectors/manual.connector.ts';
import type { RestrictionKind } from '../../connectors/connector.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { lookupHash } from '../requests/request.core.ts';
import { SharedConnectorLease, connectionCandidates, resolveConnection, type ConnectionSpec } from './connections.ts';
import * as repo from './engine.repository.ts';
import type { AccessFilter } from './erasure.rules.ts';
import {
  applyErasure,
  planErasure,
  runAccess,
  runCorrection,
  runRestriction,
  type AccessResult,
  type CorrectionRequest,
  type CorrectionResult,
  type EngineOptions,
  type ErasureOutcome,
  type ErasurePlan,
  type ErasureProgress,
  type RestrictionResult,
  type Subject,
} from './executor.ts';
import type { Plan, PlanNode } from './planner.ts';

export const PLAN_BLOB_KIND = 'fulfillment.erasure_plan';
export const TASK_BLOB_KIND = 'fulfillment.task';
export const TASK_RESULT_BLOB_KIND = 'fulfillment.task_result';

export interface EngineContext {
  ctx: AppContext;
  /** The environment snapshot the entry point read its configuration from (connection secrets). */
  env: Record<string, string | undefined>;
  actor: Actor;
  requestId?: string | null;
  /** For audit entries: the HTTP request id or job id. */
  traceId?: string | null;
  options?: Omit<EngineOptions, 'now'>;
}

/**
 * The stored connections the plan's systems name, borrowed from the connectors the context keeps
 * open; systems without one are reported by the run. The caller releases the lease when done.
 */
export async function connectorsForPlan(ctx: AppContext, env: Record<string, string | undefined>, nodes: readonly PlanNode[]): Promise<SharedConnectorLease> {
  const specs = new Map<string, ConnectionSpec>();
  const names = new Set(nodes.flatMap((n) => connectionCandidates(n)));
  for (const name of names) {
    if (!(await repo.findConnection(ctx.db, name))) continue;
    specs.set(name, await resolveConnection(ctx, env, name));
  }
  return new SharedConnectorLease(ctx.db, specs);
}

async function saveManualTasks(trx: Db, e: EngineContext, runId: string | null, action: string, tasks: readonly ManualChecklist[]): Promise<string[]> {
  const now = e.ctx.clock.now();
  const ids: string[] = [];
  for (const task of tasks) {
    const id = newId('ftask');
    const blob = await e.ctx.vault.storeJson(trx, { kind: TASK_BLOB_KIND, value: task, now });
    await repo.insertTask(trx, {
      id,
      run_id: runId,
      request_id: e.requestId ?? null,
      system: task.system,
      action,
      status: 'open',
      owner: task.owner,
      due_at: new Date(task.dueAt),
      checklist_blob_id: blob.id,
      result_blob_id: null,
      created_at: now,
      completed_at: null,
      completed_by: null,
    });
    await appendAudit(trx, {
      action: 'fulfillment.task_created',
      actor: e.actor,
      target: { type: 'fulfillment_task', id },
      requestId: e.traceId ?? null,
      details: { system: task.system, action, collections: task.items.length, requestId: e.requestId ?? null },
      at: now,
    });
    ids.push(id);
  }
  return ids;
}

async function insertRun(trx: Db, e: EngineContext, id: string, action: FulfillmentRunAction, status: 'planned' | 'running' | 'completed' | 'partial' | 'failed', summary: Record<string, unknown>, extra: { planBlobId?: string; dryRun?: boolean } = {}): Promise<void> {
  const now = e.ctx.clock.now();
  await repo.insertRun(trx, {
    id,
    request_id: e.requestId ?? null,
    action,
    status,
    dry_run: extra.dryRun ?? false,
    plan_blob_id: extra.planBlobId ?? null,
    summary: JSON.stringify(summary),
    created_by: e.actor.id,
    created_at: now,
    started_at: now,
    finished_at: status === 'planned' || status === 'running' ? null : now,
  });
}

function statusCounts<T extends { status: string }>(list: readonly T[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of list) out[c.status] = (out[c.status] ?? 0) + 1;
  return out;
}

// ---------------------------------------------------------------------------------------------

export interface EngineAccessRun {
  runId: string;
  result: AccessResult;
  taskIds: string[];
}

/** Finds the person's data; rows are returned (for findings), counts are recorded and audited. */
export async function runEngineAccess(
  e: EngineContext,
  input: { plan: Plan; subjects: readonly Subject[]; filter?: AccessFilter; /** false: a repeated run whose owners already have their tasks. */ saveTasks?: boolean },
): Promise<EngineAccessRun> {
  const pool = await connectorsForPlan(e.ctx, e.env, input.plan.nodes);
  let result: AccessResult;
  try {
    result = await runAccess({ plan: input.plan, subjects: input.subjects, source: pool, ...(input.filter ? { filter: input.filter } : {}), options: { ...e.options, now: e.ctx.clock.now() } });
  } finally {
    await pool.release();
  }
  const runId = newId('frun');
  const rows = result.collections.reduce((n, c) => n + c.rowCount, 0);
  const failed = result.collections.filter((c) => c.status === 'failed').length;
  const summary = {
    collections: result.collections.map((c) => ({ node: c.id, status: c.status, rows: c.rowCount, ...(c.error ? { error: c.error.code } : {}) })),
  };
  const taskIds = await e.ctx.db.transaction().execute(async (trx) => {
    await insertRun(trx, e, runId, 'access', failed > 0 ? 'partial' : 'completed', summary);
    await appendAudit(trx, {
      action: 'fulfillment.access_run',
      actor: e.actor,
      target: { type: 'fulfillment_run', id: runId },
      requestId: e.traceId ?? null,
      details: { requestId: e.requestId ?? null, collections: result.collections.length, rows, failed, manualTasks: result.manualTasks.length },
      at: e.ctx.clock.now(),
    });
    return input.saveTasks === false ? [] : saveManualTasks(trx, e, runId, 'access', result.manualTasks);
  });
  return { runId, result, taskIds };
}

// ---------------------------------------------------------------------------------------------
// Erasure: planned (and stored) first, then executed; execution can be repeated to resume.

const ZStoredPlan = z.object({ plan: z.custom<Plan>((v) => typeof v === 'object' && v !== null), erasure: z.custom<ErasurePlan>((v) => typeof v === 'object' && v !== null) });

export interface ErasureRunPlanned {
  runId: string;
  erasure: ErasurePlan;
  taskIds: string[];
}

export async function planErasureRun(
  e: EngineContext,
  input: {
    plan: Plan;
    subjects: readonly Subject[];
    categories: readonly string[];
    sharedDecisions?: Readonly<Record<string, 'erase' | 'keep'>>;
    dryRun?: boolean;
    /** Owners of manual systems get their erasure tasks when the run is executed, not before (a run prepared for approval). */
    deferTasks?: boolean;
  },
): Promise<ErasureRunPlanned> {
  const pool = await connectorsForPlan(e.ctx, e.env, input.plan.nodes);
  const runId = newId('frun');
  let erasure: ErasurePlan;
  try {
    erasure = await planErasure({
      plan: input.plan,
      subjects: input.subjects,
      source: pool,
      categories: input.categories,
      keyedHashKey: randomBytes(32),
      reference: runId,
      ...(input.sharedDecisions ? { sharedDecisions: input.sharedDecisions } : {}),
      options: { ...e.options, now: e.ctx.clock.now() },
    });
  } finally {
    await pool.release();
  }
  const now = e.ctx.clock.now();
  const deferTasks = input.deferTasks === true && input.dryRun !== true;
  const summary = {
    categories: erasure.categories,
    collections: erasure.collections.map((c) => ({ node: c.id, status: c.status, found: c.rowsFound, planned: c.changes.length, held: c.held.length, shared: c.shared.length })),
    ...(deferTasks ? { tasksDeferred: true } : {}),
  };
  const taskIds = await e.ctx.db.transaction().execute(async (trx) => {
    const blob = await e.ctx.vault.storeJson(trx, { kind: PLAN_BLOB_KIND, value: { plan: input.plan, erasure }, now });
    await insertRun(trx, e, runId, 'erasure', input.dryRun ? 'completed' : 'planned', summary, { planBlobId: blob.id, dryRun: input.dryRun === true });
    await repo.insertSteps(
      trx,
      erasure.collections
        .filter((c) => c.changes.length > 0)
        .map((c) => ({ run_id: runId, node: c.id, status: 'pending' as const, planned: c.changes.length, changed: 0, error_code: null, error_message: null, updated_at: now })),
    );
    await appendAudit(trx, {
      action: 'fulfillment.planned',
      actor: e.actor,
      target: { type: 'fulfillment_run', id: runId },
      requestId: e.traceId ?? null,
      details: {
        requestId: e.requestId ?? null,
        action: 'erasure',
        dryRun: input.dryRun === true,
        collections: erasure.collections.length,
        rowsPlanned: erasure.collections.reduce((n, c) => n + c.changes.length, 0),
        held: erasure.collections.reduce((n, c) => n + c.held.length, 0),
        shared: erasure.collections.reduce((n, c) => n + c.shared.length, 0),
      },
      at: now,
    });
    return input.dryRun || deferTasks ? [] : saveManualTasks(trx, e, runId, 'erasure', erasure.manualTasks);
  });
  return { runId, erasure, taskIds };
}

function dbProgress(ctx: AppContext, runId: string): ErasureProgress {
  return {
    async done(node) {
      const step = await repo.findStep(ctx.db, runId, node);
      return step?.status === 'done' ? { changed: step.changed } : null;
    },
    async markDone(node, changed) {
      await repo.setStep(ctx.db, runId, node, { status: 'done', changed, error_code: null, error_message: null, updated_at: ctx.clock.now() });
    },
    async markFailed(node, error) {
      await repo.setStep(ctx.db, runId, node, { status: 'failed', error_code: error.code.slice(0, 100), error_message: error.message.slice(0, 500), updated_at: ctx.clock.now() });
    },
  };
}

/**
 * Executes (or resumes) a planned erasure run: collections recorded as done are skipped, the
 * others are written with the values computed when the run was planned, so a resumed run writes
 * exactly what the first attempt would have. A failed collection can be retried by calling again.
 */
export async function executeErasureRun(e: EngineContext, runId: string): Promise<ErasureOutcome> {
  const run = await repo.findRun(e.ctx.db, runId);
  if (!run || run.action !== 'erasure' || !run.plan_blob_id) throw new AppError('not_found');
  if (run.dry_run) throw new AppError('invalid_transition', { details: [{ path: 'run', reason: 'dry_run', message: 'a dry run is never executed; plan the erasure again without dry run' }] });
  const stored = ZStoredPlan.safeParse(await e.ctx.vault.readJson(e.ctx.db, run.plan_blob_id));
  if (!stored.success) throw new AppError('conflict');
  const { plan, erasure } = stored.data;
  await e.ctx.db.transaction().execute(async (trx) => {
    const locked = await repo.lockRun(trx, runId);
    if (locked?.status === 'planned' || locked?.status === 'partial' || locked?.status === 'failed') await repo.updateRun(trx, runId, { status: 'running' });
  });
  const pool = await connectorsForPlan(e.ctx, e.env, plan.nodes);
  let outcome: ErasureOutcome;
  try {
    outcome = await applyErasure(erasure, new Map(plan.nodes.map((n) => [n.id, n])), pool, dbProgress(e.ctx, runId), {
      ...(e.options?.retry ? { retry: e.options.retry } : {}),
      ...(e.options?.onEvent ? { onEvent: e.options.onEvent } : {}),
    });
  } finally {
    await pool.release();
  }
  const failed = outcome.collections.filter((c) => c.status === 'failed');
  const changed = outcome.collections.reduce((n, c) => n + c.changed, 0);
  const now = e.ctx.clock.now();
  await e.ctx.db.transaction().execute(async (trx) => {
    await repo.updateRun(trx, runId, {
      status: failed.length === 0 ? 'completed' : outcome.collections.some((c) => c.status === 'changed' || c.status === 'already_done') ? 'partial' : 'failed',
      finished_at: now,
      summary: JSON.stringify({ ...(run.summary ?? {}), outcome: outcome.collections.map((c) => ({ node: c.id, status: c.status, planned: c.planned, changed: c.changed, ...(c.error ? { error: c.error.code } : {}) })) }),
    });
    await appendAudit(trx, {
      action: 'fulfillment.erasure_run',
      actor: e.actor,
      target: { type: 'fulfillment_run', id: runId },
      requestId: e.traceId ?? null,
      details: { requestId: run.request_id, changed, failed: failed.length, statuses: statusCounts(outcome.collections) },
      at: now,
    });
    // A run prepared before approval left its manual tasks until now; they are created once.
    if (run.summary?.tasksDeferred === true && (await repo.listTasks(trx, { runId })).length === 0) {
      await saveManualTasks(trx, { ...e, requestId: run.request_id }, runId, 'erasure', erasure.manualTasks);
    }
  });
  return outcome;
}

// ---------------------------------------------------------------------------------------------

export async function runEngineCorrection(
  e: EngineContext,
  input: { plan: Plan; subjects: readonly Subject[]; corrections: readonly CorrectionRequest[]; saveTasks?: boolean },
): Promise<{ runId: string; result: CorrectionResult; taskIds: string[] }> {
  const pool = await connectorsForPlan(e.ctx, e.env, input.plan.nodes);
  const runId = newId('frun');
  let result: CorrectionResult;
  try {
    result = await runCorrection({ plan: input.plan, subjects: input.subjects, source: pool, corrections: input.corrections, reference: runId, options: { ...e.options, now: e.ctx.clock.now() } });
  } finally {
    await pool.release();
  }
  const now = e.ctx.clock.now();
  const failed = result.collections.filter((c) => c.status === 'failed' || (c.status === 'corrected' && !c.confirmed)).length;
  const taskIds = await e.ctx.db.transaction().execute(async (trx) => {
    await insertRun(trx, e, runId, 'correction', failed > 0 ? 'partial' : 'completed', {
      collections: result.collections.map((c) => ({ node: c.id, status: c.status, rows: c.rows, changed: c.changed, confirmed: c.confirmed })),
    });
    // One entry per collection, with hashes of the values before and after, never the values.
    await appendAudit(
      trx,
      result.collections.map((c) => ({
        action: 'fulfillment.correction_run' as const,
        actor: e.actor,
        target: { type: 'fulfillment_run', id: runId },
        requestId: e.traceId ?? null,
        details: {
          requestId: e.requestId ?? null,
          collection: c.id,
          fields: c.fields,
          status: c.status,
          rows: c.rows,
          changed: c.changed,
          confirmed: c.confirmed,
          beforeHash: c.beforeHash,
          afterHash: c.afterHash,
          ...(c.error ? { error: c.error.code } : {}),
        },
        at: now,
      })),
    );
    return input.saveTasks === false ? [] : saveManualTasks(trx, e, runId, 'correction', result.manualTasks);
  });
  return { runId, result, taskIds };
}

/**
 * Suspension of use or stopping provision: flags written where the connection names a flag
 * field (or the HTTP service's restrict), and a restriction recorded that applications can look
 * up by the person's keyed email hash (activeRestrictionsFor).
 */
export async function runEngineRestriction(
  e: EngineContext,
  input: { plan: Plan; subjects: readonly Subject[]; kind: RestrictionKind; saveTasks?: boolean },
): Promise<{ runId: string; restrictionId: string; result: RestrictionResult; taskIds: string[] }> {
  const pool = await connectorsForPlan(e.ctx, e.env, input.plan.nodes);
  const runId = newId('frun');
  let result: RestrictionResult;
  try {
    result = await runRestriction({ plan: input.plan, subjects: input.subjects, source: pool, kind: input.kind, reference: runId, options: { ...e.options, now: e.ctx.clock.now() } });
  } finally {
    await pool.release();
  }
  const now = e.ctx.clock.now();
  const restrictionId = newId('frst');
  const email = input.subjects.flatMap((s) => s.identities.email ?? [])[0];
  const taskIds = await e.ctx.db.transaction().execute(async (trx) => {
    const subjectRef = email === undefined ? null : await lookupHash(trx, e.ctx, 'email', email);
    const failed = result.collections.filter((c) => c.status === 'failed').length;
    await insertRun(trx, e, runId, input.kind, failed > 0 ? 'partial' : 'completed', { collections: result.collections.map((c) => ({ node: c.id, status: c.status, rows: c.rows, changed: c.changed })) });
    await repo.insertRestriction(trx, {
      id: restrictionId,
      request_id: e.requestId ?? null,
      run_id: runId,
      kind: input.kind,
      subject_ref: subjectRef,
      scope: JSON.stringify(result.collections.filter((c) => c.rows > 0 || c.status === 'manual').map((c) => ({ node: c.id, rows: c.rows, status: c.status }))),
      applied_at: now,
      lifted_at: null,
      created_by: e.actor.id,
    });
    await appendAudit(trx, {
      action: 'fulfillment.restriction_applied',
      actor: e.actor,
      target: { type: 'fulfillment_restriction', id: restrictionId },
      requestId: e.traceId ?? null,
      details: { requestId: e.requestId ?? null, kind: input.kind, runId, flagged: result.collections.reduce((n, c) => n + c.changed, 0), statuses: statusCounts(result.collections) },
      at: now,
    });
    return input.saveTasks === false ? [] : saveManualTasks(trx, e, runId, input.kind, result.manualTasks);
  });
  return { runId, restrictionId, result, taskIds };
}

/** Restrictions in force for a person, found by email (for applications and the consent API). */
export async function activeRestrictionsFor(ctx: AppContext, email: string): Promise<Array<{ id: string; kind: RestrictionKind; appliedAt: Date; scope: unknown }>> {
  const ref = await lookupHash(ctx.db, ctx, 'email', email);
  return (await repo.activeRestrictions(ctx.db, ref)).map((r) => ({ id: r.id, kind: r.kind, appliedAt: r.applied_at, scope: r.scope }));
}

// ---------------------------------------------------------------------------------------------
// Manual tasks

export async function listManualTasks(ctx: AppContext, filter: { runId?: string; requestId?: string; status?: 'open' | 'done' }): Promise<repo.TaskRow[]> {
  return repo.listTasks(ctx.db, filter);
}

export async function readManualTask(ctx: AppContext, id: string): Promise<{ task: repo.TaskRow; checklist: ManualChecklist }> {
  const task = await repo.findTask(ctx.db, id);
  if (!task) throw new AppError('not_found');
  return { task, checklist: (await ctx.vault.readJson(ctx.db, task.checklist_blob_id)) as ManualChecklist };
}

export const ZManualTaskResult = z.strictObject({
  /** What the owner found: records as entered (flat values), at most 10 000. */
  records: z.array(z.record(z.string().max(200), z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]))).max(10_000).default([]),
  /** What was done, in the owner's words. */
  note: z.string().max(4000).optional(),
  recordsHandled: z.number().int().min(0).max(10_000_000),
});

export async function completeManualTask(ctx: AppContext, actor: Actor, id: string, raw: unknown): Promise<void> {
  const parsed = ZManualTaskResult.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('validation_failed', { details: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', reason: i.code, message: i.message })) });
  }
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const task = await repo.lockTask(trx, id);
    if (!task) throw new AppError('not_found');
    if (task.status === 'done') throw new AppError('invalid_transition');
    const blob = await ctx.vault.storeJson(trx, { kind: TASK_RESULT_BLOB_KIND, value: parsed.data, now });
    await repo.completeTask(trx, id, { result_blob_id: blob.id, completed_at: now, completed_by: actor.id });
    await appendAudit(trx, {
      action: 'fulfillment.task_completed',
      actor,
      target: { type: 'fulfillment_task', id },
      details: { system: task.system, action: task.action, records: parsed.data.records.length, handled: parsed.data.recordsHandled, requestId: task.request_id },
      at: now,
    });
  });
}
