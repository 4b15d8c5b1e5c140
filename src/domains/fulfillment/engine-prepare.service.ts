// What the engine does when a request enters work (and when staff run it again): it plans a
// search of the data map from the identities the request confirmed (the person's email, and
// phone where the map searches by phone), then
//  - for a disclosure, and for a correction or stopping of provision (so staff see what is held
//    before they decide), it searches every connected system and writes one finding per
//    collection searched, empty ones included ("searched, nothing found"), with source 'engine';
//  - for a suspension (利用停止・消去), it prepares an erasure run: exactly which rows and fields
//    would change, what legal holds keep and which rows are shared with someone else. Nothing
//    changes before the decision is approved (engine-execute.service.ts does it then).
// Systems of the map with no connection stay with staff; manual systems get a task for their
// owner. A failing system marks its collections failed on the timeline and the start job is
// retried; a retry writes a finding only for collections that have none yet and creates the
// owners' tasks once.
import type { AppContext } from '../../app/context.ts';
import { AppError } from '../../lib/errors.ts';
import { SYSTEM_ACTOR, type Actor } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import type { DataMap } from '../inventory/datamap.types.ts';
import { loadDataMap } from '../inventory/inventory.service.ts';
import { addEngineFindings, type EngineFinding } from '../requests/findings.service.ts';
import { addEvent, lockRequest, readSubject, type RequestRow } from '../requests/request.core.ts';
import type { RequestSubject, RequestType } from '../requests/request.ts';
import * as deskRepo from './engine-desk.repository.ts';
import * as repo from './engine.repository.ts';
import { planErasureRun, runEngineAccess, type EngineContext } from './engine.service.ts';
import { hasRequestEvent } from './fulfillment-start.repository.ts';
import { manualFulfillment, type FulfillmentStarted } from './fulfillment.port.ts';
import { buildPlan, type Plan } from './planner.ts';
import type { Subject } from './traversal.ts';

export const PLANNED_EVENT = 'fulfillment.planned';
export const RUN_EVENT = 'fulfillment.run';

/** What the engine does for each request type it answers; the others stay with staff. */
export type EngineAction = 'access' | 'erasure' | 'correction' | 'stop_provision';
const ACTIONS: Partial<Record<RequestType, EngineAction>> = {
  disclosure: 'access',
  correction: 'correction',
  suspension: 'erasure',
  stop_provision: 'stop_provision',
};

export function engineActionFor(type: string): EngineAction | null {
  return ACTIONS[type as RequestType] ?? null;
}

/** What a suspension erases unless staff choose narrower categories: everything about the user. */
export const DEFAULT_ERASURE_CATEGORIES: readonly string[] = ['user'];

const EMAIL_IDENTITIES = ['email'];
const PHONE_IDENTITIES = ['phone', 'phone_number'];

function addValue(list: string[], value: string | undefined, lower: boolean): void {
  const v = value?.trim();
  if (!v) return;
  for (const candidate of lower ? [v, v.toLowerCase()] : [v]) if (!list.includes(candidate)) list.push(candidate);
}

/**
 * The identities the request confirmed: the person's email (and the contact address when the
 * person asked themselves: it was verified by code), and their phone under whichever phone
 * identity the map uses. An agent's own contact details are never the person's identities.
 */
export function requestIdentities(subject: RequestSubject, requesterKind: string): Record<string, string[]> {
  const emails: string[] = [];
  const phones: string[] = [];
  addValue(emails, subject.person.email, true);
  addValue(phones, subject.person.phone, false);
  if (requesterKind === 'principal') {
    addValue(emails, subject.contact.email, true);
    addValue(phones, subject.contact.phone, false);
  }
  const out: Record<string, string[]> = {};
  if (emails.length > 0) for (const t of EMAIL_IDENTITIES) out[t] = emails;
  if (phones.length > 0) for (const t of PHONE_IDENTITIES) out[t] = phones;
  return out;
}

function connectionNamesOf(system: DataMap['systems'][number]): string[] {
  return [system.connection, system.name, ...system.datasets.map((d) => d.name)].filter((n): n is string => typeof n === 'string');
}

export interface EngineSetup {
  map: DataMap;
  plan: Plan;
  subjects: Subject[];
  action: EngineAction;
  /** Systems of the plan the engine reaches, those left to staff, and manual ones (owners' tasks). */
  connected: string[];
  unconnected: string[];
  manual: string[];
}

export type EngineSetupResult = { ok: true; setup: EngineSetup } | { ok: false; reason: 'type_not_engine' | 'nothing_connected' | 'no_identity' | 'subject_disposed' };

/** Whether, and how, the engine answers this request; reads the subject and the data map. */
export async function engineSetupFor(ctx: AppContext, row: RequestRow): Promise<EngineSetupResult> {
  const action = engineActionFor(row.type);
  if (!action) return { ok: false, reason: 'type_not_engine' };
  const stored = new Set((await repo.listConnections(ctx.db)).map((c) => c.name));
  if (stored.size === 0) return { ok: false, reason: 'nothing_connected' };
  const map = await loadDataMap(ctx.db);
  const connectedSystems = map.systems.filter((s) => s.kind !== 'manual' && connectionNamesOf(s).some((n) => stored.has(n)));
  if (connectedSystems.length === 0) return { ok: false, reason: 'nothing_connected' };
  let subject: RequestSubject;
  try {
    subject = await readSubject(ctx.db, ctx, row);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return { ok: false, reason: 'subject_disposed' };
    throw err;
  }
  const identities = requestIdentities(subject, row.requester_kind);
  const plan = buildPlan(map, Object.keys(identities));
  if (plan.identityTypes.length === 0 || plan.nodes.length === 0) return { ok: false, reason: 'no_identity' };
  const used = Object.fromEntries(plan.identityTypes.map((t) => [t, identities[t] ?? []]));
  const planSystems = new Set(plan.nodes.map((n) => n.system));
  const connected = connectedSystems.map((s) => s.name).filter((s) => planSystems.has(s));
  const manual = map.systems.filter((s) => s.kind === 'manual' && planSystems.has(s.name)).map((s) => s.name);
  const unconnected = [...planSystems].filter((s) => !connected.includes(s) && !manual.includes(s)).sort();
  return { ok: true, setup: { map, plan, subjects: [{ id: 'subject', identities: used }], action, connected, unconnected, manual } };
}

/** A finding's label: the collection's description from the data map, on one line. */
function labelsOf(map: DataMap): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of map.systems) {
    for (const d of s.datasets) {
      for (const c of d.collections) {
        const text = c.description?.replace(/\s+/gu, ' ').trim();
        if (text) out.set(`${s.name}:${d.name}.${c.name}`, text.slice(0, 200));
      }
    }
  }
  return out;
}

export interface PrepareOptions {
  actor?: Actor;
  /** The HTTP request id or job id, for the audit entries. */
  traceId?: string | null;
  engine?: EngineContext['options'];
  /** Erasure: plan again even when a prepared run exists (staff rerun, shared-row decisions). */
  replan?: boolean;
  categories?: readonly string[];
  sharedDecisions?: Readonly<Record<string, 'erase' | 'keep'>>;
}

export interface PrepareOutcome {
  action: EngineAction;
  runId: string;
  /** Collections that failed this time (`system:dataset.collection` and the error code). */
  failed: Array<{ node: string; code: string }>;
  findingsAdded: number;
  /** Erasure: the run was already prepared and was kept. */
  reused: boolean;
}

/** Thrown to the start job when some system failed: the job retries with backoff. */
export class FulfillmentIncompleteError extends Error {
  constructor(readonly failed: ReadonlyArray<{ node: string; code: string }>) {
    super(`fulfilment incomplete: ${failed.length} collection(s) failed (${failed.map((f) => `${f.node} ${f.code}`).join(', ').slice(0, 200)}); it is retried`);
    this.name = 'FulfillmentIncompleteError';
  }
}

function engineContext(ctx: AppContext, row: RequestRow, options: PrepareOptions): EngineContext {
  return {
    ctx,
    env: { ...ctx.env },
    actor: options.actor ?? SYSTEM_ACTOR,
    requestId: row.id,
    traceId: options.traceId ?? null,
    ...(options.engine ? { options: options.engine } : {}),
  };
}

async function recordPlanOnce(ctx: AppContext, row: RequestRow, setup: EngineSetup, actor: Actor, traceId: string | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await lockRequest(trx, row.id);
    if (await hasRequestEvent(trx, row.id, PLANNED_EVENT)) return;
    const facts = {
      provider: 'engine',
      action: setup.action,
      identityTypes: setup.plan.identityTypes,
      collections: setup.plan.nodes.length,
      connectedSystems: setup.connected,
      unconnectedSystems: setup.unconnected,
      manualSystems: setup.manual,
      notSearched: setup.plan.skipped.length,
    };
    const leftToStaff = setup.unconnected.length > 0 ? ` Systems without a connection (${setup.unconnected.join(', ')}) are searched by staff.` : '';
    await addEvent(trx, ctx, row.id, {
      kind: PLANNED_EVENT,
      actor,
      data: facts,
      text: `The engine searches the connected systems of the data map.${leftToStaff} Attach what you find in systems outside the data map.`,
      visibleToRequester: false,
    });
    await appendAudit(trx, {
      action: 'fulfillment.planned',
      actor,
      target: { type: 'request', id: row.id },
      requestId: traceId,
      details: { requestId: row.id, action: setup.action, collections: setup.plan.nodes.length, identityTypes: setup.plan.identityTypes, unconnected: setup.unconnected.length },
      at: ctx.clock.now(),
    });
  });
}

function findingKey(systemName: string, collection: string): string {
  return `${systemName}\n${collection}`;
}

async function searchForRequest(ctx: AppContext, row: RequestRow, setup: EngineSetup, options: PrepareOptions): Promise<PrepareOutcome> {
  const e = engineContext(ctx, row, options);
  const earlierTasks = await repo.listTasks(ctx.db, { requestId: row.id });
  const run = await runEngineAccess(e, { plan: setup.plan, subjects: setup.subjects, saveTasks: !earlierTasks.some((t) => t.action === 'access') });
  const labels = labelsOf(setup.map);
  const failed = run.result.collections.filter((c) => c.status === 'failed').map((c) => ({ node: c.id, code: c.error?.code ?? 'failed' }));
  const findingsAdded = await ctx.db.transaction().execute(async (trx) => {
    const locked = await lockRequest(trx, row.id);
    let added = 0;
    // Findings belong to work in progress; a request that moved on keeps what it had.
    if (locked.status === 'in_progress') {
      const existing = new Set((await deskRepo.listEngineFindingTargets(trx, row.id)).map((f) => findingKey(f.system_name, f.collection)));
      const fresh: EngineFinding[] = run.result.collections
        .filter((c) => c.status === 'done' && !existing.has(findingKey(c.system, `${c.dataset}.${c.collection}`)))
        .map((c) => ({ systemName: c.system, collection: `${c.dataset}.${c.collection}`, label: labels.get(c.id) ?? null, rows: c.rows }));
      if (fresh.length > 0) added = (await addEngineFindings(trx, ctx, row.id, fresh, { actor: e.actor, requestId: e.traceId ?? null })).length;
    }
    await addEvent(trx, ctx, row.id, {
      kind: RUN_EVENT,
      actor: e.actor,
      data: {
        action: setup.action,
        runId: run.runId,
        status: failed.length > 0 ? 'partial' : 'completed',
        searched: run.result.collections.filter((c) => c.status === 'done').length,
        rows: run.result.collections.reduce((n, c) => n + c.rowCount, 0),
        findingsAdded: added,
        failed: failed.map((f) => `${f.node} (${f.code})`),
        manualTasks: run.taskIds.length,
      },
      visibleToRequester: false,
    });
    return added;
  });
  return { action: setup.action, runId: run.runId, failed, findingsAdded, reused: false };
}

const FAILED_STATUSES = new Set(['failed']);

function summaryFailures(run: repo.RunRow): Array<{ node: string; code: string }> {
  const collections = (run.summary as { collections?: unknown }).collections;
  if (!Array.isArray(collections)) return [];
  const out: Array<{ node: string; code: string }> = [];
  for (const c of collections) {
    if (typeof c !== 'object' || c === null) continue;
    const { node, status } = c as { node?: unknown; status?: unknown };
    if (typeof node === 'string' && typeof status === 'string' && FAILED_STATUSES.has(status)) out.push({ node, code: status });
  }
  return out;
}

async function prepareErasure(ctx: AppContext, row: RequestRow, setup: EngineSetup, options: PrepareOptions): Promise<PrepareOutcome> {
  const prepared = await deskRepo.findPreparedErasureRun(ctx.db, row.id);
  if (prepared && !options.replan && prepared.status === 'planned' && summaryFailures(prepared).length === 0) {
    return { action: 'erasure', runId: prepared.id, failed: [], findingsAdded: 0, reused: true };
  }
  const e = engineContext(ctx, row, options);
  const planned = await planErasureRun(e, {
    plan: setup.plan,
    subjects: setup.subjects,
    categories: options.categories ?? DEFAULT_ERASURE_CATEGORIES,
    ...(options.sharedDecisions ? { sharedDecisions: options.sharedDecisions } : {}),
    deferTasks: true,
  });
  const collections = planned.erasure.collections;
  const failed = collections.filter((c) => c.status === 'failed').map((c) => ({ node: c.id, code: c.error?.code ?? 'failed' }));
  await ctx.db.transaction().execute(async (trx) => {
    await lockRequest(trx, row.id);
    await addEvent(trx, ctx, row.id, {
      kind: RUN_EVENT,
      actor: e.actor,
      data: {
        action: 'erasure',
        runId: planned.runId,
        status: failed.length > 0 ? 'partial' : 'prepared',
        rowsPlanned: collections.reduce((n, c) => n + c.changes.length, 0),
        held: collections.reduce((n, c) => n + c.held.length, 0),
        shared: collections.reduce((n, c) => n + c.shared.length, 0),
        failed: failed.map((f) => `${f.node} (${f.code})`),
      },
      text: 'An erasure is prepared (a dry run: nothing has changed). It is carried out when the decision is approved as done.',
      visibleToRequester: false,
    });
  });
  return { action: 'erasure', runId: planned.runId, failed, findingsAdded: 0, reused: false };
}

/** Runs the engine's part for a request the engine answers (setup from engineSetupFor). */
export async function prepareEngineWork(ctx: AppContext, row: RequestRow, setup: EngineSetup, options: PrepareOptions = {}): Promise<PrepareOutcome> {
  await recordPlanOnce(ctx, row, setup, options.actor ?? SYSTEM_ACTOR, options.traceId ?? null);
  switch (setup.action) {
    case 'erasure':
      return prepareErasure(ctx, row, setup, options);
    case 'access':
    case 'correction':
    case 'stop_provision':
      return searchForRequest(ctx, row, setup, options);
  }
}

/**
 * The provider's start: the engine when it can answer, else the manual desk. Throws
 * FulfillmentIncompleteError (after recording what it found) when a system failed.
 */
export async function startEngineFulfillment(ctx: AppContext, row: RequestRow, options: { engine?: EngineContext['options'] } = {}): Promise<FulfillmentStarted> {
  const result = await engineSetupFor(ctx, row);
  if (!result.ok) {
    await manualFulfillment.start(ctx, row);
    return { provider: manualFulfillment.name };
  }
  const outcome = await prepareEngineWork(ctx, row, result.setup, options.engine ? { engine: options.engine } : {});
  if (outcome.failed.length > 0) throw new FulfillmentIncompleteError(outcome.failed);
  return { provider: 'engine' };
}
