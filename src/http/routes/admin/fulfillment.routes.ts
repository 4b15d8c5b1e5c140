// The fulfilment engine for staff: stored connections to company systems (list, create, update,
// delete, test; the secret — an environment variable's name or a URL kept encrypted — is never
// returned), what the engine planned and did for a request (plan, runs, the prepared erasure as
// a dry run, tasks), running it again, carrying out an approved erasure, and the manual tasks
// of system owners. Handlers stay thin: the services check states, permissions on tasks, and audit.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../../app/context.ts';
import { CONNECTOR_KINDS, ZConnectorOptions } from '../../../connectors/connector.ts';
import { listConnections, removeConnection, saveConnection, ZConnectionInput, type ConnectionView } from '../../../domains/fulfillment/connections.ts';
import {
  completeTaskForStaff,
  getFulfillmentView,
  listTasksForStaff,
  openTaskForStaff,
  rerunForRequest,
  testStoredConnection,
  ZCompleteTaskInput,
  ZRerunInput,
  type FulfillmentView,
  type TaskView,
} from '../../../domains/fulfillment/engine-desk.service.ts';
import { executeApprovedErasure } from '../../../domains/fulfillment/engine-execute.service.ts';
import { can } from '../../../domains/staff/permissions.ts';
import { AppError } from '../../../lib/errors.ts';
import { currentStaff, requirePermission } from '../../auth.ts';

const staffSession = [{ staffSession: [] }];
const connectionTags = ['admin: fulfilment connections'];
const tags = ['admin: fulfilment'];

const ZId = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, 'an id');
const ZName = z.strictObject({ name: z.string().min(1).max(200).regex(/^[A-Za-z0-9_][A-Za-z0-9_.<>-]{0,199}$/, 'a connection name') });
const ZRequestParams = z.strictObject({ id: ZId });
const ZTaskParams = z.strictObject({ id: ZId });

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString());

const ZConnectionView = z.object({
  name: z.string(),
  kind: z.enum(CONNECTOR_KINDS),
  secretSource: z.enum(['env', 'vault', 'none']),
  /** The variable's name (not its value). */
  envVar: z.string().nullable(),
  options: ZConnectorOptions,
  lastTestedAt: z.iso.datetime().nullable(),
  lastTest: z
    .object({ reachable: z.boolean().optional(), canWrite: z.boolean().nullable().optional(), detail: z.string().optional(), latencyMs: z.number().optional() })
    .nullable(),
});

function connectionView(c: ConnectionView): z.infer<typeof ZConnectionView> {
  const t = c.lastTest;
  return {
    name: c.name,
    kind: c.kind,
    secretSource: c.secretSource,
    envVar: c.envVar,
    options: c.options,
    lastTestedAt: isoOrNull(c.lastTestedAt),
    lastTest:
      t === null
        ? null
        : {
            ...(typeof t.reachable === 'boolean' ? { reachable: t.reachable } : {}),
            ...(typeof t.canWrite === 'boolean' || t.canWrite === null ? { canWrite: t.canWrite } : {}),
            ...(typeof t.detail === 'string' ? { detail: t.detail } : {}),
            ...(typeof t.latencyMs === 'number' ? { latencyMs: t.latencyMs } : {}),
          },
  };
}

/** The update of a connection: everything but the name (checked in full by the service). */
const ZConnectionUpdate = z.strictObject({
  kind: z.enum(CONNECTOR_KINDS).optional(),
  env: z.string().min(1).max(100).optional(),
  url: z.string().min(8).max(2000).optional(),
  options: ZConnectorOptions.optional(),
});

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
const ZStrategyField = z.object({ field: z.string(), strategy: z.string() });

const ZTaskView = z.object({
  id: z.string(),
  requestId: z.string().nullable(),
  runId: z.string().nullable(),
  system: z.string(),
  action: z.string(),
  status: z.enum(['open', 'done']),
  owner: z.string().nullable(),
  dueAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
  completedBy: z.string().nullable(),
});

function taskView(t: TaskView): z.infer<typeof ZTaskView> {
  return { ...t, dueAt: iso(t.dueAt), createdAt: iso(t.createdAt), completedAt: isoOrNull(t.completedAt) };
}

const ZFulfillmentView = z.object({
  request: z.object({ id: z.string(), type: z.string(), status: z.string() }),
  action: z.enum(['access', 'erasure', 'correction', 'stop_provision']).nullable(),
  answeredBy: z.string().nullable(),
  unavailableReason: z.string().nullable(),
  plan: z
    .object({
      identityTypes: z.array(z.string()),
      collections: z.array(
        z.object({
          id: z.string(),
          system: z.string(),
          dataset: z.string(),
          collection: z.string(),
          step: z.number(),
          systemKind: z.string().nullable(),
          handling: z.enum(['connected', 'manual', 'unconnected']),
          searchedBy: z.array(z.object({ field: z.string(), from: z.string() })),
        }),
      ),
      notSearched: z.array(z.object({ id: z.string(), reason: z.string() })),
      cutEdges: z.array(z.object({ from: z.string(), fromField: z.string(), to: z.string(), toField: z.string(), reason: z.string() })),
    })
    .nullable(),
  runs: z.array(
    z.object({
      id: z.string(),
      action: z.string(),
      status: z.string(),
      dryRun: z.boolean(),
      createdBy: z.string().nullable(),
      createdAt: z.iso.datetime(),
      finishedAt: z.iso.datetime().nullable(),
      categories: z.array(z.string()),
      collections: z.array(ZCollectionSummary),
      outcome: z.array(ZCollectionSummary),
      steps: z.array(z.object({ node: z.string(), status: z.string(), planned: z.number(), changed: z.number(), errorCode: z.string().nullable() })),
    }),
  ),
  erasure: z
    .object({
      runId: z.string(),
      status: z.string(),
      categories: z.array(z.string()),
      collections: z.array(
        z.object({
          node: z.string(),
          status: z.string(),
          rowsFound: z.number(),
          unchanged: z.number(),
          changes: z.array(z.object({ ref: z.string(), action: z.enum(['delete', 'update']), fields: z.array(ZStrategyField) })),
          held: z.array(z.object({ field: z.string(), reason: z.string(), basis: z.string().nullable() })),
          shared: z.array(z.object({ ref: z.string(), reasons: z.array(z.string()), fields: z.array(ZStrategyField) })),
          skippedFields: z.array(z.object({ field: z.string(), reason: z.string() })),
          error: z.string().nullable(),
        }),
      ),
    })
    .nullable(),
  tasks: z.array(ZTaskView),
});

function fulfillmentView(v: FulfillmentView): z.infer<typeof ZFulfillmentView> {
  return {
    ...v,
    runs: v.runs.map((r) => ({ ...r, createdAt: iso(r.createdAt), finishedAt: isoOrNull(r.finishedAt) })),
    tasks: v.tasks.map(taskView),
  };
}

const ZPrepareOutcome = z.object({
  action: z.enum(['access', 'erasure', 'correction', 'stop_provision']),
  runId: z.string(),
  failed: z.array(z.object({ node: z.string(), code: z.string() })),
  findingsAdded: z.number(),
  reused: z.boolean(),
});

const ZExecutionOutcome = z.object({
  status: z.enum(['completed', 'partial', 'already_done', 'left_to_staff', 'not_applicable']),
  action: z.enum(['access', 'erasure', 'correction', 'stop_provision']).nullable(),
  runId: z.string().nullable(),
  changed: z.number(),
  collections: z.array(z.object({ node: z.string(), status: z.string(), planned: z.number().optional(), changed: z.number(), error: z.string().optional() })),
});

const ZChecklist = z.object({
  system: z.string(),
  owner: z.string().nullable(),
  action: z.string(),
  dueAt: z.string(),
  items: z.array(
    z.object({
      collection: z.string(),
      searchBy: z.array(z.object({ field: z.string(), values: z.array(z.string()) })),
      record: z.array(z.object({ field: z.string(), categories: z.array(z.string()) })),
      steps: z.array(z.object({ ja: z.string(), en: z.string() })),
    }),
  ),
});

export function fulfillmentRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    // ---- connections
    app.get(
      '/api/admin/connections',
      {
        onRequest: requirePermission(ctx, 'connections.read'),
        schema: { tags: connectionTags, summary: 'List connections to company systems (never their secrets)', security: staffSession, response: { 200: z.object({ connections: z.array(ZConnectionView) }) } },
      },
      async () => ({ connections: (await listConnections(ctx)).map(connectionView) }),
    );

    app.post(
      '/api/admin/connections',
      {
        onRequest: requirePermission(ctx, 'connections.manage'),
        schema: {
          tags: connectionTags,
          summary: 'Add a connection',
          description:
            'Either `env` (the name of an environment variable holding the connection URL, with `kind`) or `url` (stored encrypted). The URL is never returned. A data-map system uses the connection its `connection`, its name or a dataset name gives.',
          security: staffSession,
          body: ZConnectionInput,
          response: { 201: z.object({ connection: ZConnectionView }) },
        },
      },
      async (request, reply) => {
        const actor = currentStaff(request);
        if ((await listConnections(ctx)).some((c) => c.name === request.body.name)) {
          throw new AppError('already_exists', { details: [{ path: 'name', reason: 'exists', message: 'a connection of this name exists; change it with PUT' }] });
        }
        const saved = await saveConnection(ctx, { type: 'staff', id: actor.id }, request.body);
        return reply.status(201).send({ connection: connectionView(saved.view) });
      },
    );

    app.put(
      '/api/admin/connections/:name',
      {
        onRequest: requirePermission(ctx, 'connections.manage'),
        schema: { tags: connectionTags, summary: 'Replace a connection’s secret source and options', security: staffSession, params: ZName, body: ZConnectionUpdate, response: { 200: z.object({ connection: ZConnectionView }) } },
      },
      async (request) => {
        const actor = currentStaff(request);
        if (!(await listConnections(ctx)).some((c) => c.name === request.params.name)) throw new AppError('not_found');
        const saved = await saveConnection(ctx, { type: 'staff', id: actor.id }, { ...request.body, name: request.params.name });
        return { connection: connectionView(saved.view) };
      },
    );

    app.delete(
      '/api/admin/connections/:name',
      {
        onRequest: requirePermission(ctx, 'connections.manage'),
        schema: { tags: connectionTags, summary: 'Delete a connection (its stored secret is destroyed)', security: staffSession, params: ZName, response: { 200: z.object({ deleted: z.literal(true) }) } },
      },
      async (request) => {
        const actor = currentStaff(request);
        await removeConnection(ctx, { type: 'staff', id: actor.id }, request.params.name);
        return { deleted: true as const };
      },
    );

    app.post(
      '/api/admin/connections/:name/test',
      {
        onRequest: requirePermission(ctx, 'connections.manage'),
        schema: {
          tags: connectionTags,
          summary: 'Check that the system answers and whether the credentials can write',
          description: 'Write permission is probed on the tables the stored data map gives this connection, without changing anything.',
          security: staffSession,
          params: ZName,
          response: { 200: z.object({ check: z.object({ reachable: z.boolean(), canWrite: z.boolean().nullable(), detail: z.string(), latencyMs: z.number() }) }) },
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        const check = await testStoredConnection(ctx, { type: 'staff', id: actor.id }, request.params.name);
        return { check: { reachable: check.reachable, canWrite: check.canWrite, detail: check.detail, latencyMs: check.latencyMs } };
      },
    );

    // ---- a request's fulfilment
    app.get(
      '/api/admin/requests/:id/fulfillment',
      {
        onRequest: requirePermission(ctx, 'requests.read'),
        schema: {
          tags,
          summary: 'What the engine planned and did for a request',
          description:
            'The plan (collections, what each is searched by, who handles it), every run with its per-collection status, the prepared erasure as a dry run (rows by reference, fields and strategies, fields kept by legal holds with the reason, shared rows needing a decision) and the manual tasks.',
          security: staffSession,
          params: ZRequestParams,
          response: { 200: z.object({ fulfillment: ZFulfillmentView }) },
        },
      },
      async (request) => ({ fulfillment: fulfillmentView(await getFulfillmentView(ctx, request.params.id)) }),
    );

    app.post(
      '/api/admin/requests/:id/fulfillment/rerun',
      {
        onRequest: requirePermission(ctx, 'fulfillment.run'),
        schema: {
          tags,
          summary: 'Run the engine again for a request in progress',
          description:
            'A search adds findings for collections that have none yet; an erasure is prepared again, with `sharedDecisions` (`erase` or `keep` per row reference) and `categories`. Nothing in the company’s systems changes.',
          security: staffSession,
          params: ZRequestParams,
          body: ZRerunInput,
          response: { 200: z.object({ outcome: ZPrepareOutcome, fulfillment: ZFulfillmentView }) },
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        const outcome = await rerunForRequest(ctx, request.params.id, { type: 'staff', id: actor.id }, request.body, { requestId: request.id });
        return { outcome, fulfillment: fulfillmentView(await getFulfillmentView(ctx, request.params.id)) };
      },
    );

    app.post(
      '/api/admin/requests/:id/fulfillment/erasure/execute',
      {
        onRequest: requirePermission(ctx, 'fulfillment.run'),
        schema: {
          tags,
          summary: 'Carry out (or resume) the approved erasure',
          description: 'Needs `fulfillment.run` and `requests.decide`. Writes exactly the prepared changes; collections done before are not written again.',
          security: staffSession,
          params: ZRequestParams,
          response: { 200: z.object({ execution: ZExecutionOutcome }) },
        },
      },
      async (request) => {
        const actor = currentStaff(request);
        if (!can(actor.role, 'requests.decide')) throw new AppError('forbidden');
        const result = await executeApprovedErasure(ctx, request.params.id, { type: 'staff', id: actor.id }, { traceId: request.id });
        return { execution: { status: result.status, action: result.action, runId: result.runId, changed: result.changed, collections: result.collections } };
      },
    );

    // ---- manual tasks
    app.get(
      '/api/admin/tasks',
      {
        onRequest: requirePermission(ctx, 'inventory.read'),
        schema: {
          tags,
          summary: 'Manual tasks (a system owner sees those of their own systems)',
          security: staffSession,
          querystring: z.strictObject({ status: z.enum(['open', 'done']).optional(), requestId: ZId.optional(), limit: z.coerce.number().int().min(1).max(500).optional() }),
          response: { 200: z.object({ tasks: z.array(ZTaskView) }) },
        },
      },
      async (request) => {
        const q = request.query;
        const tasks = await listTasksForStaff(ctx, currentStaff(request), {
          ...(q.status ? { status: q.status } : {}),
          ...(q.requestId ? { requestId: q.requestId } : {}),
          ...(q.limit ? { limit: q.limit } : {}),
        });
        return { tasks: tasks.map(taskView) };
      },
    );

    app.get(
      '/api/admin/tasks/:id',
      {
        onRequest: requirePermission(ctx, 'inventory.read'),
        schema: { tags, summary: 'A manual task with its checklist', security: staffSession, params: ZTaskParams, response: { 200: z.object({ task: ZTaskView, checklist: ZChecklist }) } },
      },
      async (request, reply) => {
        const opened = await openTaskForStaff(ctx, currentStaff(request), request.params.id);
        reply.header('cache-control', 'no-store');
        return { task: taskView(opened.task), checklist: opened.checklist };
      },
    );

    app.post(
      '/api/admin/tasks/:id/complete',
      {
        onRequest: requirePermission(ctx, 'inventory.read'),
        schema: {
          tags,
          summary: 'Complete a manual task with what was found and done',
          description: 'For a disclosure, the entered `records` become a finding of the request (name the `collection` when the task lists several).',
          security: staffSession,
          params: ZTaskParams,
          body: ZCompleteTaskInput,
          response: { 200: z.object({ task: ZTaskView, findingId: z.string().nullable() }) },
        },
      },
      async (request) => {
        const done = await completeTaskForStaff(ctx, currentStaff(request), request.params.id, request.body, { requestId: request.id });
        return { task: taskView(done.task), findingId: done.findingId };
      },
    );
  };
}
