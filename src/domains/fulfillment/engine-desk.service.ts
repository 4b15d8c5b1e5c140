// What staff see and do with the engine on a request: the plan (from the request's identity
// types and the current data map), every run with its per-collection status, the prepared
// erasure as a dry run (which rows by reference, which fields and how, what legal holds keep and
// why, which rows are shared and need a decision), and the manual tasks. Also the tasks as
// their owners see them: a system owner sees and completes only the tasks of systems they own;
// records entered for a disclosure become a finding of the request. Views carry names, codes,
// counts and row references, never the person's values (the owner's checklist is the exception:
// it holds what to search for, and is read only by whoever may work the task).
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../lib/errors.ts';
import type { Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { addManualFinding, FINDINGS_OPEN_STATUSES } from '../requests/findings.service.ts';
import { addEvent, findRequest, lockRequest } from '../requests/request.core.ts';
import type { RequestStatus, RequestType } from '../requests/request.ts';
import { can } from '../staff/permissions.ts';
import type { StaffPrincipal } from '../staff/staff.ts';
import type { ManualChecklist } from '../../connectors/manual.connector.ts';
import type { ConnectionCheck, ProbeTarget } from '../../connectors/connector.ts';
import { loadDataMap } from '../inventory/inventory.service.ts';
import type { DataMap } from '../inventory/datamap.types.ts';
import { connectionCandidates, testConnection } from './connections.ts';
import { engineActionFor, engineSetupFor, prepareEngineWork, type EngineAction, type PrepareOutcome } from './engine-prepare.service.ts';
import * as deskRepo from './engine-desk.repository.ts';
import * as repo from './engine.repository.ts';
import { completeManualTask, readManualTask, ZManualTaskResult } from './engine.service.ts';
import type { ErasurePlan } from './executor.ts';
import type { Plan } from './planner.ts';

export interface PlanView {
  identityTypes: string[];
  collections: Array<{
    id: string;
    system: string;
    dataset: string;
    collection: string;
    step: number;
    systemKind: string | null;
    /** connected: the engine searches it; manual: its owner gets a task; unconnected: staff search it. */
    handling: 'connected' | 'manual' | 'unconnected';
    searchedBy: Array<{ field: string; from: string }>;
  }>;
  notSearched: Array<{ id: string; reason: string }>;
  cutEdges: Array<{ from: string; fromField: string; to: string; toField: string; reason: string }>;
}

const ZCollectionSummary = z.object({
  node: z.string(),
  status: z.string(),
  rows: z.number().optional(),
  found: z.number().optional(),
  planned: z.number().optional(),
  changed: z.number().optional(),
  held: z.number().optional(),
  shared: z.number().optional(),
  error: z.string().optional(),
});
export type CollectionSummary = z.infer<typeof ZCollectionSummary>;
const ZRunSummary = z.object({
  categories: z.array(z.string()).optional(),
  collections: z.array(ZCollectionSummary).optional(),
  outcome: z.array(ZCollectionSummary).optional(),
});

export interface RunView {
  id: string;
  action: string;
  status: string;
  dryRun: boolean;
  createdBy: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  categories: string[];
  collections: CollectionSummary[];
  /** Erasure, after execution: what each collection's write did. */
  outcome: CollectionSummary[];
  /** Erasure: each collection's step (pending, done, failed). */
  steps: Array<{ node: string; status: string; planned: number; changed: number; errorCode: string | null }>;
}

export interface ErasureView {
  runId: string;
  status: string;
  categories: string[];
  collections: Array<{
    node: string;
    status: string;
    rowsFound: number;
    unchanged: number;
    changes: Array<{ ref: string; action: 'delete' | 'update'; fields: Array<{ field: string; strategy: string }> }>;
    held: Array<{ field: string; reason: string; basis: string | null }>;
    shared: Array<{ ref: string; reasons: string[]; fields: Array<{ field: string; strategy: string }> }>;
    skippedFields: Array<{ field: string; reason: string }>;
    error: string | null;
  }>;
}

export interface TaskView {
  id: string;
  requestId: string | null;
  runId: string | null;
  system: string;
  action: string;
  status: 'open' | 'done';
  owner: string | null;
  dueAt: Date;
  createdAt: Date;
  completedAt: Date | null;
  completedBy: string | null;
}

export interface FulfillmentView {
  request: { id: string; type: RequestType; status: RequestStatus };
  /** What the engine does for this type (null: staff answer it), and who took the request. */
  action: EngineAction | null;
  answeredBy: string | null;
  /** Why the engine does not answer now (nothing connected, no identity to search by, …), or null. */
  unavailableReason: string | null;
  plan: PlanView | null;
  runs: RunView[];
  erasure: ErasureView | null;
  tasks: TaskView[];
}

function planView(plan: Plan, connected: readonly string[], manual: readonly string[]): PlanView {
  return {
    identityTypes: plan.identityTypes,
    collections: plan.nodes.map((n) => ({
      id: n.id,
      system: n.system,
      dataset: n.dataset,
      collection: n.collection,
      step: n.step,
      systemKind: n.systemKind,
      handling: connected.includes(n.system) ? 'connected' : manual.includes(n.system) ? 'manual' : 'unconnected',
      searchedBy: n.inputs.map((i) => ({ field: i.field, from: i.source.kind === 'identity' ? `identity:${i.source.identity}` : `${i.source.node}.${i.source.field}` })),
    })),
    notSearched: plan.skipped.map((s) => ({ id: s.id, reason: s.reason })),
    cutEdges: plan.cutEdges.map((c) => ({ from: c.from, fromField: c.fromField, to: c.to, toField: c.toField, reason: c.reason })),
  };
}

export function toTaskView(t: repo.TaskRow): TaskView {
  return {
    id: t.id,
    requestId: t.request_id,
    runId: t.run_id,
    system: t.system,
    action: t.action,
    status: t.status,
    owner: t.owner,
    dueAt: t.due_at,
    createdAt: t.created_at,
    completedAt: t.completed_at,
    completedBy: t.completed_by,
  };
}

async function runView(ctx: AppContext, run: repo.RunRow): Promise<RunView> {
  const summary = ZRunSummary.safeParse(run.summary);
  const steps = run.action === 'erasure' ? await repo.listSteps(ctx.db, run.id) : [];
  return {
    id: run.id,
    action: run.action,
    status: run.status,
    dryRun: run.dry_run,
    createdBy: run.created_by,
    createdAt: run.created_at,
    finishedAt: run.finished_at,
    categories: summary.success ? (summary.data.categories ?? []) : [],
    collections: summary.success ? (summary.data.collections ?? []) : [],
    outcome: summary.success ? (summary.data.outcome ?? []) : [],
    steps: steps.map((s) => ({ node: s.node, status: s.status, planned: s.planned, changed: s.changed, errorCode: s.error_code })),
  };
}

const ZStoredErasure = z.object({ erasure: z.custom<ErasurePlan>((v) => typeof v === 'object' && v !== null && Array.isArray((v as { collections?: unknown }).collections)) });

async function erasureView(ctx: AppContext, run: repo.RunRow): Promise<ErasureView | null> {
  if (!run.plan_blob_id) return null;
  let stored: unknown;
  try {
    stored = await ctx.vault.readJson(ctx.db, run.plan_blob_id);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return null;
    throw err;
  }
  const parsed = ZStoredErasure.safeParse(stored);
  if (!parsed.success) return null;
  const { erasure } = parsed.data;
  // Keys and the values to be written stay in the vault: rows are named by their reference.
  return {
    runId: run.id,
    status: run.status,
    categories: erasure.categories,
    collections: erasure.collections.map((c) => ({
      node: c.id,
      status: c.status,
      rowsFound: c.rowsFound,
      unchanged: c.unchanged,
      changes: c.changes.map((ch) => ({ ref: ch.ref, action: ch.action, fields: ch.fields.map((f) => ({ field: f.field, strategy: f.strategy })) })),
      held: c.held.map((h) => ({ field: h.field, reason: h.reason, basis: h.basis ?? null })),
      shared: c.shared.map((s) => ({ ref: s.ref, reasons: s.reasons, fields: s.fields.map((f) => ({ field: f.field, strategy: f.strategy })) })),
      skippedFields: c.skippedFields.map((s) => ({ field: s.field, reason: s.reason })),
      error: c.error?.code ?? null,
    })),
  };
}

const UNAVAILABLE_TEXT: Record<string, string> = {
  type_not_engine: 'staff answer this type of request',
  nothing_connected: 'no system of the data map has a connection',
  no_identity: 'the data map has no identity field for what the request gives',
  subject_disposed: 'the request’s personal details were disposed of',
};

/** Everything the engine planned and did for a request. */
export async function getFulfillmentView(ctx: AppContext, requestId: string): Promise<FulfillmentView> {
  const row = await findRequest(ctx.db, requestId);
  if (!row) throw new AppError('not_found');
  const setup = await engineSetupFor(ctx, row);
  const started = (await deskRepo.listEventData(ctx.db, requestId, 'fulfillment.started'))[0];
  const runs = await repo.listRunsOfRequest(ctx.db, requestId);
  const prepared = await deskRepo.findPreparedErasureRun(ctx.db, requestId);
  return {
    request: { id: row.id, type: row.type as RequestType, status: row.status as RequestStatus },
    action: engineActionFor(row.type),
    answeredBy: typeof started?.provider === 'string' ? started.provider : null,
    unavailableReason: setup.ok ? null : (UNAVAILABLE_TEXT[setup.reason] ?? setup.reason),
    plan: setup.ok ? planView(setup.setup.plan, setup.setup.connected, setup.setup.manual) : null,
    runs: await Promise.all(runs.map((r) => runView(ctx, r))),
    erasure: prepared ? await erasureView(ctx, prepared) : null,
    tasks: (await repo.listTasks(ctx.db, { requestId })).map(toTaskView),
  };
}

export const ZRerunInput = z.strictObject({
  /** Erasure: the data categories to erase (default: everything about the user). */
  categories: z
    .array(z.string().regex(/^[a-z][a-z0-9_.]{0,99}$/, 'a data category such as user.contact'))
    .min(1)
    .max(50)
    .optional(),
  /** Erasure: decisions on shared rows, by their reference (`erase` lets one be erased). */
  sharedDecisions: z
    .record(z.string().regex(/^row_[0-9a-f]{20}$/, 'a row reference from the dry run'), z.enum(['erase', 'keep']))
    .refine((r) => Object.keys(r).length <= 1000, 'at most 1000 decisions')
    .optional(),
});
export type TRerunInput = z.infer<typeof ZRerunInput>;

/**
 * Runs the engine again for a request being worked on: a search writes findings for the
 * collections that have none (a finding taken out is found again), an erasure is prepared
 * afresh (with staff's decisions on shared rows). Failures are reported, not retried.
 */
export async function rerunForRequest(ctx: AppContext, requestId: string, actor: Actor, input: TRerunInput, meta: { requestId?: string | null } = {}): Promise<PrepareOutcome> {
  const row = await findRequest(ctx.db, requestId);
  if (!row) throw new AppError('not_found');
  const action = engineActionFor(row.type);
  const open: readonly string[] = action === 'erasure' ? ['in_progress', 'in_review'] : ['in_progress'];
  if (!open.includes(row.status)) {
    throw new AppError('invalid_transition', {
      details: [{ reason: 'not_in_progress', message: `the engine runs for a request in progress${action === 'erasure' ? ' or in review' : ''}, not while it is "${row.status}"` }],
    });
  }
  if ((input.categories || input.sharedDecisions) && action !== 'erasure') {
    throw new AppError('validation_failed', { details: [{ path: input.categories ? 'categories' : 'sharedDecisions', reason: 'not_expected', message: 'categories and shared-row decisions belong to an erasure' }] });
  }
  const setup = await engineSetupFor(ctx, row);
  if (!setup.ok) {
    throw new AppError('conflict', { details: [{ reason: 'engine_unavailable', message: `the engine cannot answer this request: ${UNAVAILABLE_TEXT[setup.reason] ?? setup.reason}` }] });
  }
  return prepareEngineWork(ctx, row, setup.setup, {
    actor,
    traceId: meta.requestId ?? null,
    replan: true,
    ...(input.categories ? { categories: input.categories } : {}),
    ...(input.sharedDecisions ? { sharedDecisions: input.sharedDecisions } : {}),
  });
}

/** The collections of the systems a connection serves, to probe their tables for writing. */
function probeTargets(map: DataMap, name: string): ProbeTarget[] {
  const targets: ProbeTarget[] = [];
  for (const s of map.systems) {
    for (const d of s.datasets) {
      if (!connectionCandidates({ connection: s.connection ?? null, system: s.name, dataset: d.name }).includes(name)) continue;
      for (const c of d.collections) {
        if (c.skipProcessing) continue;
        const pk = c.fields.find((f) => f.primaryKey) ?? c.fields[0];
        targets.push({ dataset: d.name, collection: c.name, fields: pk ? [pk.name] : [] });
      }
    }
  }
  return targets;
}

/** Tests a stored connection against the tables the stored data map gives it. */
export async function testStoredConnection(ctx: AppContext, actor: Actor, name: string): Promise<ConnectionCheck> {
  const targets = probeTargets(await loadDataMap(ctx.db), name);
  return testConnection(ctx, { ...ctx.env }, actor, name, targets.length > 0 ? targets : undefined);
}

// ---------------------------------------------------------------------------------------------
// Manual tasks for their owners

/** A system owner works the tasks of systems they own; the desk's staff work any of them. */
function mayWork(staff: StaffPrincipal, task: repo.TaskRow): boolean {
  if (staff.role === 'system_owner') return task.owner === staff.id;
  return can(staff.role, 'fulfillment.run');
}

function mayRead(staff: StaffPrincipal, task: repo.TaskRow): boolean {
  if (staff.role === 'system_owner') return task.owner === staff.id;
  return can(staff.role, 'requests.read');
}

export async function listTasksForStaff(ctx: AppContext, staff: StaffPrincipal, filter: { status?: 'open' | 'done'; requestId?: string; limit?: number }): Promise<TaskView[]> {
  if (staff.role !== 'system_owner' && !can(staff.role, 'requests.read')) throw new AppError('forbidden');
  const rows = await deskRepo.listTasksFor(ctx.db, {
    ...(staff.role === 'system_owner' ? { owner: staff.id } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.requestId ? { requestId: filter.requestId } : {}),
    limit: filter.limit ?? 200,
  });
  return rows.map(toTaskView);
}

/**
 * One task with its checklist (what to search for, record, erase). Another owner's task is
 * not found. Opening it is recorded on the request's timeline.
 */
export async function openTaskForStaff(ctx: AppContext, staff: StaffPrincipal, id: string): Promise<{ task: TaskView; checklist: ManualChecklist }> {
  const { task, checklist } = await readManualTask(ctx, id);
  if (!mayRead(staff, task)) throw new AppError('not_found');
  const requestId = task.request_id;
  const actor: Actor = { type: 'staff', id: staff.id };
  // The checklist holds the values to search for, so each opening is audited.
  await ctx.db.transaction().execute(async (trx) => {
    if (requestId !== null) {
      await lockRequest(trx, requestId);
      await addEvent(trx, ctx, requestId, { kind: 'fulfillment.task_opened', actor, data: { taskId: id, system: task.system }, visibleToRequester: false });
    }
    await appendAudit(trx, {
      action: 'fulfillment.task_opened',
      actor,
      target: { type: 'fulfillment_task', id },
      details: { system: task.system, ...(requestId !== null ? { requestId } : {}) },
      at: ctx.clock.now(),
    });
  });
  return { task: toTaskView(task), checklist };
}

export const ZCompleteTaskInput = ZManualTaskResult.extend({
  /** For a disclosure: the collection (`dataset.collection` of the checklist) the records come from; needed when the task lists several. */
  collection: z.string().min(1).max(300).optional(),
});
export type TCompleteTaskInput = z.input<typeof ZCompleteTaskInput>;

/**
 * Completes a task with what the owner found and did. For a disclosure still being worked on,
 * the entered records become a finding of the request (an empty list: searched, nothing found).
 */
export async function completeTaskForStaff(ctx: AppContext, staff: StaffPrincipal, id: string, raw: unknown, meta: { requestId?: string | null } = {}): Promise<{ task: TaskView; findingId: string | null }> {
  const task = await repo.findTask(ctx.db, id);
  if (!task || !mayRead(staff, task)) throw new AppError('not_found');
  if (!mayWork(staff, task)) throw new AppError('forbidden');
  if (task.status === 'done') throw new AppError('invalid_transition', { details: [{ path: 'task', reason: 'task_done', message: 'the task is already completed' }] });
  const parsed = ZCompleteTaskInput.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('validation_failed', { details: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.') || '(body)', reason: i.code, message: i.message })) });
  }
  const { collection, ...result } = parsed.data;
  const actor: Actor = { type: 'staff', id: staff.id };
  let findingId: string | null = null;
  const request = task.request_id === null ? null : await findRequest(ctx.db, task.request_id);
  if (task.action === 'access' && request && FINDINGS_OPEN_STATUSES.includes(request.status as RequestStatus)) {
    const { checklist } = await readManualTask(ctx, id);
    const names = checklist.items.map((i) => i.collection);
    const chosen = collection ?? (names.length === 1 ? names[0] : undefined);
    if (chosen === undefined || !names.includes(chosen)) {
      throw new AppError('validation_failed', {
        details: [{ path: 'collection', reason: chosen === undefined ? 'required' : 'unknown_collection', message: `name the collection the records come from: one of ${names.join(', ').slice(0, 300)}` }],
      });
    }
    const finding = await addManualFinding(ctx, request.id, actor, { systemName: task.system, collection: chosen, records: result.records }, meta);
    findingId = finding.id;
  }
  await completeManualTask(ctx, actor, id, result);
  const done = await repo.findTask(ctx.db, id);
  if (!done) throw new AppError('not_found');
  return { task: toTaskView(done), findingId };
}
