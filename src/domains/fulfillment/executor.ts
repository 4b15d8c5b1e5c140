// The fulfilment engine's actions over a plan: access (rows per collection, filtered by the
// disclosure's category rules), erasure (planned first — exactly which rows and fields change,
// which are held and which are shared — then applied, resumable per collection), correction
// (by key, one transaction per system, read back to confirm, before/after hashes) and
// restriction (suspension of use / stopping provision through a flag field or the HTTP
// contract). Manual systems get a checklist for their owner instead of queries.
//
// Shared rows (never erased blindly, listed for a decision): a row is shared when
//  (a) it was reached from the identities of more than one subject of the run; or
//  (b) fan-in: it was found through a reference from collection S, and S holds another row,
//      not among this person's rows, with the same reference value (two customers pointing at
//      one address); references from a key of S are unique and need no check; or
//  (c) it was reached only through references, and one of its own searched fields holds a value
//      that none of this person's rows produced (the row belongs to another person's parent row).
// A staff decision (`sharedDecisions[ref] = 'erase'`) lets a listed row be erased.
import { createHash, randomBytes } from 'node:crypto';
import {
  DEFAULT_RETRY,
  bindingFor,
  describeFailure,
  isScalar,
  keyString,
  withRetry,
  type Connector,
  type FieldMatch,
  type FieldValue,
  type RestrictionKind,
  type Row,
  type RowKey,
  type RowWrite,
  type Scalar,
  type WriteBatch,
} from '../../connectors/connector.ts';
import { buildManualChecklist, type ManualAction, type ManualChecklist, type ManualItemInput } from '../../connectors/manual.connector.ts';
import type { EraseSpec, EraseStrategy } from '../inventory/datamap.types.ts';
import {
  DEFAULT_ACCESS_FILTER,
  discloseRow,
  erasedValue,
  fieldsToErase,
  getPath,
  isAlreadyErased,
  isDisclosed,
  setPath,
  type AccessFilter,
} from './erasure.rules.ts';
import type { Plan, PlanNode } from './planner.ts';
import {
  traverse,
  valueText,
  type ConnectorSource,
  type FoundRow,
  type NodeOutcome,
  type NodeStatus,
  type Subject,
  type TraversalOptions,
  type TraversalResult,
} from './traversal.ts';

export type { ConnectorSource, EngineEvent, Subject } from './traversal.ts';

export type CollectionStatus = NodeStatus | 'not_searched';

export interface EngineRunInput {
  plan: Plan;
  subjects: readonly Subject[];
  source: ConnectorSource;
  options?: EngineOptions;
}

export interface EngineOptions extends TraversalOptions {
  /** For manual tasks' due dates; callers pass ctx.clock's time. */
  now?: Date;
  manualDueDays?: number;
}

interface CollectionBase {
  id: string;
  system: string;
  dataset: string;
  collection: string;
  status: CollectionStatus;
  error?: { code: string; message: string };
  incompleteBecause: string[];
}

function baseOf(node: Pick<PlanNode, 'id' | 'system' | 'dataset' | 'collection'>, outcome: NodeOutcome | undefined): CollectionBase {
  return {
    id: node.id,
    system: node.system,
    dataset: node.dataset,
    collection: node.collection,
    status: outcome?.status ?? 'not_searched',
    ...(outcome?.error ? { error: outcome.error } : {}),
    incompleteBecause: outcome?.incompleteBecause ?? [],
  };
}

/** Every collection of the map: planned ones in plan order, then the ones not searched. */
function allCollections(plan: Plan): Array<Pick<PlanNode, 'id' | 'system' | 'dataset' | 'collection'> & { node?: PlanNode }> {
  return [...plan.nodes.map((n) => ({ id: n.id, system: n.system, dataset: n.dataset, collection: n.collection, node: n })), ...plan.skipped];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The rows a traversal found, per plan node; a node that is searched again starts over. */
function rowsByNode() {
  const found = new Map<string, FoundRow[]>();
  return {
    found,
    reset(nodeId: string): void {
      found.set(nodeId, []);
    },
    add(nodeId: string, rows: readonly FoundRow[]): void {
      const list = found.get(nodeId);
      if (list) for (const r of rows) list.push(r);
      else found.set(nodeId, [...rows]);
    },
  };
}

function manualCollector(plan: Plan, action: ManualAction, options: EngineOptions) {
  const items = new Map<string, ManualItemInput[]>();
  const owners = new Map<string, string | null>();
  return {
    add(node: PlanNode, searchBy: FieldMatch[], extra: Partial<ManualItemInput> = {}) {
      const list = items.get(node.system) ?? [];
      list.push({
        dataset: node.dataset,
        collection: node.collection,
        searchBy: searchBy.map((m) => ({ field: m.field, values: m.values.filter((v): v is Exclude<Scalar, null> => v !== null).map(valueText) })),
        fields: node.fields.map((f) => ({ name: f.name, categories: f.categories, ...(f.erase ? { erase: f.erase.strategy } : {}) })),
        ...extra,
      });
      items.set(node.system, list);
      owners.set(node.system, node.owner);
    },
    tasks(): ManualChecklist[] {
      const now = options.now ?? new Date(0);
      const dueAt = new Date(now.getTime() + (options.manualDueDays ?? 7) * DAY_MS);
      void plan;
      return [...items.entries()].map(([system, list]) => buildManualChecklist({ system, owner: owners.get(system) ?? null, action, dueAt, items: list }));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Access

export interface AccessCollection extends CollectionBase {
  /** The disclosed fields with their categories. */
  fields: Array<{ name: string; categories: string[] }>;
  rowCount: number;
  /** Empty when a sink received the rows. */
  rows: Row[];
}

export interface AccessResult {
  collections: AccessCollection[];
  manualTasks: ManualChecklist[];
}

export interface AccessInput extends EngineRunInput {
  filter?: AccessFilter;
  /** Receives disclosed rows page by page instead of keeping them (memory stays flat). */
  sink?: { rows(node: PlanNode, rows: Row[]): void | Promise<void>; reset?(node: PlanNode): void };
}

export async function runAccess(input: AccessInput): Promise<AccessResult> {
  const filter = input.filter ?? DEFAULT_ACCESS_FILTER;
  const options = input.options ?? {};
  const kept = new Map<string, Row[]>();
  const manual = manualCollector(input.plan, 'access', options);
  const traversal = await traverse(
    input.plan,
    input.subjects,
    input.source,
    {
      reset(node) {
        if (input.sink?.reset) input.sink.reset(node);
        else kept.set(node.id, []);
      },
      async rows(node, found) {
        // A row with nothing left to disclose (only internal fields) says nothing about the person.
        const disclosed = found.map((f) => discloseRow(f.row, node.fields, filter)).filter((r) => Object.keys(r).length > 0);
        if (input.sink) await input.sink.rows(node, disclosed);
        else {
          const list = kept.get(node.id) ?? [];
          for (const r of disclosed) list.push(r);
          kept.set(node.id, list);
        }
      },
      manual(node, searchBy) {
        manual.add(node, searchBy);
      },
    },
    options,
  );
  const collections = allCollections(input.plan).map((c): AccessCollection => {
    const outcome = traversal.outcomes.get(c.id);
    const fields = (c.node?.fields ?? []).filter((f) => isDisclosed(f.categories, filter)).map((f) => ({ name: f.name, categories: f.categories }));
    return { ...baseOf(c, outcome), fields, rowCount: outcome?.rowCount ?? 0, rows: kept.get(c.id) ?? [] };
  });
  return { collections, manualTasks: manual.tasks() };
}

// ---------------------------------------------------------------------------------------------
// Erasure

export interface ErasureRowChange {
  /** A reference to the row that carries no personal data (for decisions and logs). */
  ref: string;
  key: RowKey;
  action: 'delete' | 'update';
  fields: Array<{ field: string; strategy: EraseStrategy }>;
  /** The values written (computed once, so a resumed run writes the same). */
  set?: Row;
}

export interface SharedRow {
  ref: string;
  key: RowKey;
  reasons: string[];
  /** What erasure would do to it. */
  fields: Array<{ field: string; strategy: EraseStrategy }>;
}

export interface CollectionErasurePlan extends CollectionBase {
  rowsFound: number;
  keyFields: string[] | null;
  changes: ErasureRowChange[];
  held: Array<{ field: string; reason: string; basis?: string }>;
  skippedFields: Array<{ field: string; reason: 'key_field' | 'read_only' }>;
  shared: SharedRow[];
  /** Rows found whose selected fields are already erased. */
  unchanged: number;
}

export interface ErasurePlan {
  reference: string;
  categories: string[];
  collections: CollectionErasurePlan[];
  eraseOrder: string[];
  manualTasks: ManualChecklist[];
}

export interface ErasureInput extends EngineRunInput {
  /** Data categories to erase (prefixes: `user.contact` covers `user.contact.email`). */
  categories: readonly string[];
  /** For fields the data map gives no strategy: nullify unless said otherwise. */
  defaultStrategy?: EraseSpec;
  /** HMAC key for keyed_hash; a random key per plan when absent. */
  keyedHashKey?: Buffer;
  /** Staff decisions on shared rows, by their ref. */
  sharedDecisions?: Readonly<Record<string, 'erase' | 'keep'>>;
  /** Names the run in the systems' logs (no personal data). */
  reference?: string;
}

export function rowRef(nodeId: string, key: RowKey): string {
  return `row_${createHash('sha256').update(`${nodeId}\n${keyString(key)}`).digest('hex').slice(0, 20)}`;
}

/** Finds the person's rows and works out exactly what erasure would change; changes nothing. */
export async function planErasure(input: ErasureInput): Promise<ErasurePlan> {
  const options = input.options ?? {};
  const collected = rowsByNode();
  const found = collected.found;
  const manual = manualCollector(input.plan, 'erasure', options);
  const categories = [...input.categories];
  const traversal = await traverse(
    input.plan,
    input.subjects,
    input.source,
    {
      reset: (node) => collected.reset(node.id),
      rows: (node, rows) => collected.add(node.id, rows),
      manual(node, searchBy) {
        const { top } = fieldsToErase(node.fields, categories);
        manual.add(node, searchBy, {
          erase: top.map((f) => ({ field: f.name, strategy: (f.erase ?? input.defaultStrategy ?? { strategy: 'nullify' }).strategy })),
          deleteRecord: top.length > 0 && (node.collectionErase?.strategy === 'delete_row' || top.some((f) => f.erase?.strategy === 'delete_row')),
          holds: top.length > 0 ? node.legalHolds.map((h) => ({ reason: h.reason, ...(h.basis ? { basis: h.basis } : {}) })) : [],
        });
      },
    },
    options,
  );
  const keyedHashKey = input.keyedHashKey ?? randomBytes(32);
  const defaultStrategy = input.defaultStrategy ?? { strategy: 'nullify' };
  const fanIn = await fanInSharing(input, traversal, found);

  const collections = allCollections(input.plan).map((c): CollectionErasurePlan => {
    const outcome = traversal.outcomes.get(c.id);
    const rows = found.get(c.id) ?? [];
    const plan: CollectionErasurePlan = {
      ...baseOf(c, outcome),
      rowsFound: rows.length,
      keyFields: outcome?.keyFields ?? null,
      changes: [],
      held: [],
      skippedFields: [],
      shared: [],
      unchanged: 0,
    };
    const node = c.node;
    if (!node || outcome?.status !== 'done') return plan;
    const { top, nested } = fieldsToErase(node.fields, categories);
    if (top.length === 0 && nested.length === 0) {
      plan.unchanged = rows.length;
      return plan;
    }
    if (node.legalHolds.length > 0) {
      for (const f of [...top.map((t) => t.name), ...nested.map((n) => `${n.field.name}.${n.part.path.join('.')}`)]) {
        for (const h of node.legalHolds) plan.held.push({ field: f, reason: h.reason, ...(h.basis ? { basis: h.basis } : {}) });
      }
      plan.unchanged = rows.length;
      return plan;
    }
    const keyFields = new Set(outcome.keyFields ?? []);
    const deleteRow = top.length > 0 && (node.collectionErase?.strategy === 'delete_row' || top.some((f) => f.erase?.strategy === 'delete_row'));
    const writable = top.filter((f) => {
      if (deleteRow) return true;
      if (keyFields.has(f.name)) plan.skippedFields.push({ field: f.name, reason: 'key_field' });
      else if (f.readOnly) plan.skippedFields.push({ field: f.name, reason: 'read_only' });
      else return true;
      return false;
    });
    const writableNested = nested.filter((n) => !keyFields.has(n.field.name) && !n.field.readOnly && !n.part.readOnly);

    for (const r of rows) {
      const ref = rowRef(node.id, r.key);
      let change: ErasureRowChange | null = null;
      if (deleteRow) {
        change = { ref, key: r.key, action: 'delete', fields: top.map((f) => ({ field: f.name, strategy: 'delete_row' as const })) };
      } else {
        const set: Row = {};
        const fields: ErasureRowChange['fields'] = [];
        for (const f of writable) {
          const spec = f.erase ?? defaultStrategy;
          const current = r.row[f.name];
          if (isAlreadyErased(spec, current)) continue;
          set[f.name] = erasedValue(spec, current ?? null, keyedHashKey);
          fields.push({ field: f.name, strategy: spec.strategy });
        }
        for (const n of writableNested) {
          const spec = n.part.erase ?? defaultStrategy;
          const holder = set[n.field.name] ?? r.row[n.field.name] ?? null;
          const current = getPath(holder, n.part.path);
          if (current === undefined || isAlreadyErased(spec, current)) continue;
          set[n.field.name] = setPath(holder, n.part.path, erasedValue(spec, current, keyedHashKey));
          fields.push({ field: `${n.field.name}.${n.part.path.join('.')}`, strategy: spec.strategy });
        }
        if (fields.length > 0) change = { ref, key: r.key, action: 'update', fields, set };
      }
      if (!change) {
        plan.unchanged += 1;
        continue;
      }
      const reasons = sharingReasons(node, r, traversal, fanIn);
      if (reasons.length > 0 && input.sharedDecisions?.[ref] !== 'erase') {
        plan.shared.push({ ref, key: r.key, reasons, fields: change.fields });
        continue;
      }
      plan.changes.push(change);
    }
    return plan;
  });

  return {
    reference: input.reference ?? `erase_${randomBytes(8).toString('hex')}`,
    categories,
    collections,
    eraseOrder: input.plan.eraseOrder,
    manualTasks: manual.tasks(),
  };
}

/** Rule (b): values of a reference that rows outside this person's also hold, per node and field. */
async function fanInSharing(input: ErasureInput, traversal: Pick<TraversalResult, 'outcomes'>, found: Map<string, FoundRow[]>): Promise<Map<string, Map<string, Map<string, string>>>> {
  // node -> field -> value text -> reason
  const shared = new Map<string, Map<string, Map<string, string>>>();
  const mark = (node: string, field: string, value: string, reason: string) => {
    let perField = shared.get(node);
    if (!perField) shared.set(node, (perField = new Map()));
    let values = perField.get(field);
    if (!values) perField.set(field, (values = new Map()));
    if (!values.has(value)) values.set(value, reason);
  };
  const byId = new Map(input.plan.nodes.map((n) => [n.id, n]));
  for (const node of input.plan.nodes) {
    const rows = found.get(node.id) ?? [];
    if (rows.length === 0) continue;
    const { top, nested } = fieldsToErase(node.fields, input.categories);
    if ((top.length === 0 && nested.length === 0) || node.legalHolds.length > 0) continue;
    for (const i of node.inputs) {
      if (i.source.kind !== 'field') continue;
      const src = i.source;
      const sourceNode = byId.get(src.node);
      const sourceOutcome = traversal.outcomes.get(src.node);
      if (!sourceNode || sourceOutcome?.status !== 'done') continue;
      const sourceKeys = sourceOutcome.keyFields;
      if (sourceKeys && sourceKeys.length === 1 && sourceKeys[0] === src.field) continue;
      // Every value of the rows, not only those this edge brought: a row found through one
      // reference can be pointed at by another person's row through another.
      const values = new Map<string, Scalar>();
      for (const r of rows) {
        const v = r.row[i.field];
        if (v === null || v === undefined || !isScalar(v)) continue;
        values.set(valueText(v), v);
      }
      if (values.size === 0) continue;
      const connector: Connector | null = input.source.forNode(sourceNode);
      const reason = `another row of ${sourceNode.id} refers to it through ${src.field}`;
      if (!connector || connector.kind === 'manual') continue;
      const ours = new Set((found.get(sourceNode.id) ?? []).map((r) => keyString(r.key)));
      const readFields = sourceNode.fields.map((f) => f.name);
      const fields = [...new Set([...(sourceKeys ?? readFields), src.field])];
      try {
        await withRetry(input.options?.retry ?? DEFAULT_RETRY, async () => {
          for await (const page of connector.query({
            dataset: sourceNode.dataset,
            collection: sourceNode.collection,
            keyFields: sourceKeys ?? [],
            fields,
            match: [{ field: src.field, values: [...values.values()] }],
          })) {
            for (const row of page) {
              const key: RowKey = {};
              for (const f of sourceKeys ?? readFields) {
                const v = row[f];
                key[f] = isScalar(v) ? v : v === undefined ? null : JSON.stringify(v);
              }
              const v = row[src.field];
              if (!ours.has(keyString(key)) && v !== null && v !== undefined && isScalar(v)) mark(node.id, i.field, valueText(v), reason);
            }
          }
        });
      } catch (err) {
        for (const text of values.keys()) mark(node.id, i.field, text, `sharing through ${sourceNode.id} could not be checked (${describeFailure(err).code})`);
      }
    }
  }
  return shared;
}

function sharingReasons(node: PlanNode, r: FoundRow, traversal: TraversalResult, fanIn: Map<string, Map<string, Map<string, string>>>): string[] {
  const reasons: string[] = [];
  if (r.subjects.size > 1) reasons.push(`reached from the identities of ${r.subjects.size} subjects (${[...r.subjects].sort().join(', ')})`);
  const perField = fanIn.get(node.id);
  for (const [field, values] of perField ?? []) {
    const v = r.row[field];
    if (v === null || v === undefined || !isScalar(v)) continue;
    const reason = values.get(valueText(v));
    if (reason) reasons.push(reason);
  }
  if (!r.viaIdentity) {
    const byField = new Map<string, Set<string>>();
    for (const i of node.inputs) {
      if (i.source.kind !== 'field') continue;
      const values = traversal.produced.get(i.source.node)?.get(i.source.field);
      let set = byField.get(i.field);
      if (!set) byField.set(i.field, (set = new Set()));
      for (const text of values?.keys() ?? []) set.add(text);
    }
    for (const [field, allowed] of byField) {
      const v = r.row[field];
      if (v === null || v === undefined || !isScalar(v)) continue;
      if (!allowed.has(valueText(v))) reasons.push(`its ${field} points at a row that is not this person's`);
    }
  }
  return reasons;
}

/** Where an erasure run keeps its progress, so a restarted run skips what was done. */
export interface ErasureProgress {
  /** The result recorded for a collection, or null when it is still to do. */
  done(nodeId: string): Promise<{ changed: number } | null>;
  markDone(nodeId: string, changed: number): Promise<void>;
  markFailed?(nodeId: string, error: { code: string; message: string }): Promise<void>;
}

export function memoryProgress(): ErasureProgress & { entries: Map<string, number> } {
  const entries = new Map<string, number>();
  return {
    entries,
    async done(id) {
      const changed = entries.get(id);
      return changed === undefined ? null : { changed };
    },
    async markDone(id, changed) {
      entries.set(id, changed);
    },
  };
}

export type ApplyStatus = 'changed' | 'nothing_to_do' | 'already_done' | 'failed' | 'skipped';

export interface CollectionErasureOutcome {
  id: string;
  status: ApplyStatus;
  planned: number;
  changed: number;
  error?: { code: string; message: string };
}

export interface ErasureOutcome {
  reference: string;
  collections: CollectionErasureOutcome[];
}

export interface ApplyOptions {
  retry?: import('../../connectors/connector.ts').RetryPolicy;
  signal?: AbortSignal;
  onEvent?: TraversalOptions['onEvent'];
}

/**
 * Applies a planned erasure: per system (systems in parallel) the collections change one by
 * one in the plan's erase order, each in its own transaction, and each is recorded as done in
 * `progress`; a collection already recorded is skipped. Credentials that cannot write are found
 * before the first change of a system, and only that system's collections fail.
 */
export async function applyErasure(plan: ErasurePlan, nodes: ReadonlyMap<string, PlanNode>, source: ConnectorSource, progress: ErasureProgress, options: ApplyOptions = {}): Promise<ErasureOutcome> {
  const emit = options.onEvent ?? (() => {});
  const retry = options.retry ?? DEFAULT_RETRY;
  const outcomes = new Map<string, CollectionErasureOutcome>();
  const withChanges = plan.collections.filter((c) => c.changes.length > 0);
  for (const c of plan.collections) {
    if (c.changes.length === 0) outcomes.set(c.id, { id: c.id, status: c.status === 'done' || c.status === 'no_input' ? 'nothing_to_do' : 'skipped', planned: 0, changed: 0 });
  }
  const systems = new Map<string, CollectionErasurePlan[]>();
  for (const c of withChanges) systems.set(c.system, [...(systems.get(c.system) ?? []), c]);
  const rank = new Map(plan.eraseOrder.map((id, i) => [id, i]));

  await Promise.all(
    [...systems.values()].map(async (list) => {
      const ordered = [...list].sort((a, b) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0));
      const pending: CollectionErasurePlan[] = [];
      for (const c of ordered) {
        const earlier = await progress.done(c.id);
        if (earlier) outcomes.set(c.id, { id: c.id, status: 'already_done', planned: c.changes.length, changed: earlier.changed });
        else pending.push(c);
      }
      const first = pending[0];
      const firstNode = first ? nodes.get(first.id) : undefined;
      if (!first || !firstNode) return;
      const connector = source.forNode(firstNode);
      const fail = async (c: CollectionErasurePlan, error: { code: string; message: string }) => {
        outcomes.set(c.id, { id: c.id, status: 'failed', planned: c.changes.length, changed: 0, error });
        await progress.markFailed?.(c.id, error);
      };
      if (!connector) {
        for (const c of pending) await fail(c, { code: 'no_connection', message: `no connection is configured for system '${c.system}'` });
        return;
      }
      const probe = await connector.test(
        pending.map((c) => {
          const firstChange = c.changes[0];
          const probeField = firstChange?.set ? Object.keys(firstChange.set)[0] : Object.keys(firstChange?.key ?? {})[0];
          return { dataset: c.dataset, collection: c.collection, fields: probeField !== undefined ? [probeField] : [] };
        }),
      );
      if (!probe.reachable || probe.canWrite === false) {
        const error = probe.reachable
          ? { code: 'read_only', message: `${connector.name}: the credentials cannot change data (${probe.detail}); nothing was changed in this system` }
          : { code: 'unreachable', message: probe.detail };
        for (const c of pending) await fail(c, error);
        return;
      }
      for (const c of pending) {
        const batch: WriteBatch = {
          dataset: c.dataset,
          collection: c.collection,
          keyFields: c.keyFields ?? [],
          rows: c.changes.map((ch): RowWrite => (ch.action === 'delete' ? { key: ch.key, delete: true } : { key: ch.key, set: ch.set ?? {} })),
        };
        emit({ type: 'write_started', node: c.id, rows: batch.rows.length });
        try {
          const [result] = await withRetry(retry, () => connector.write([batch], { reference: plan.reference, purpose: 'erase', ...(options.signal ? { signal: options.signal } : {}) }), {
            ...(options.signal ? { signal: options.signal } : {}),
            onRetry: (attempt, err) => emit({ type: 'retry', node: c.id, attempt, error: describeFailure(err).message }),
          });
          const changed = result?.changed ?? 0;
          await progress.markDone(c.id, changed);
          outcomes.set(c.id, { id: c.id, status: 'changed', planned: c.changes.length, changed });
          emit({ type: 'write_finished', node: c.id, changed });
        } catch (err) {
          const error = describeFailure(err);
          emit({ type: 'write_finished', node: c.id, changed: 0, error: error.message });
          await fail(c, error);
          // Later collections of this system may hold the keys this one needed gone first.
          for (const rest of pending.slice(pending.indexOf(c) + 1)) {
            await fail(rest, { code: 'not_attempted', message: `not attempted: ${c.id} failed before it` });
          }
          return;
        }
      }
    }),
  );
  return { reference: plan.reference, collections: plan.collections.map((c) => outcomes.get(c.id) ?? { id: c.id, status: 'skipped', planned: 0, changed: 0 }) };
}

// ---------------------------------------------------------------------------------------------
// Correction

export interface CorrectionRequest {
  /** The collection, as `system:dataset.collection`. */
  node: string;
  field: string;
  value: FieldValue;
  /** Only this row; absent: every row of the person in the collection. */
  key?: RowKey;
}

export interface CollectionCorrection {
  id: string;
  status: 'corrected' | 'nothing_to_do' | 'not_found' | 'failed' | 'manual';
  fields: string[];
  rows: number;
  changed: number;
  /** Read back after the write: every row now holds the corrected values. */
  confirmed: boolean;
  /** SHA-256 over the rows' keys and the corrected fields' values, before and after. */
  beforeHash: string;
  afterHash: string;
  error?: { code: string; message: string };
}

export interface CorrectionResult {
  reference: string;
  collections: CollectionCorrection[];
  manualTasks: ManualChecklist[];
}

function valuesHash(rows: ReadonlyArray<{ key: RowKey; row: Row }>, fields: readonly string[]): string {
  const lines = rows
    .map((r) => JSON.stringify([keyString(r.key), fields.map((f) => [f, r.row[f] === undefined ? null : isScalar(r.row[f] ?? null) ? valueText((r.row[f] ?? null) as Scalar) : JSON.stringify(r.row[f])])]))
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

function sameValue(a: FieldValue | undefined, b: FieldValue): boolean {
  if (a === undefined) return false;
  if (isScalar(a) && isScalar(b)) return a === null || b === null ? a === b : valueText(a) === valueText(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

export async function runCorrection(input: EngineRunInput & { corrections: readonly CorrectionRequest[]; reference?: string }): Promise<CorrectionResult> {
  const options = input.options ?? {};
  const reference = input.reference ?? `correct_${randomBytes(8).toString('hex')}`;
  const wanted = new Map<string, CorrectionRequest[]>();
  for (const c of input.corrections) wanted.set(c.node, [...(wanted.get(c.node) ?? []), c]);
  const collected = rowsByNode();
  const found = collected.found;
  const manual = manualCollector(input.plan, 'correction', options);
  const traversal = await traverse(
    input.plan,
    input.subjects,
    input.source,
    {
      reset: (node) => collected.reset(node.id),
      rows(node, rows) {
        if (wanted.has(node.id)) collected.add(node.id, rows);
      },
      manual(node, searchBy) {
        const list = wanted.get(node.id);
        if (list) manual.add(node, searchBy, { correct: list.map((c) => ({ field: c.field, value: valueText(isScalar(c.value) ? c.value : JSON.stringify(c.value)) })) });
      },
    },
    options,
  );
  const nodes = new Map(input.plan.nodes.map((n) => [n.id, n]));
  const results = new Map<string, CollectionCorrection>();
  const bySystem = new Map<string, Array<{ node: PlanNode; rows: FoundRow[]; writes: RowWrite[]; fields: string[] }>>();
  for (const [id, list] of wanted) {
    const node = nodes.get(id);
    const outcome = traversal.outcomes.get(id);
    const fields = [...new Set(list.map((c) => c.field))];
    const empty = { id, fields, rows: 0, changed: 0, confirmed: false, beforeHash: valuesHash([], fields), afterHash: valuesHash([], fields) };
    if (!node || !outcome) {
      results.set(id, { ...empty, status: 'not_found', error: { code: 'not_found', message: `${id} is not a searched collection of the plan` } });
      continue;
    }
    if (outcome.status === 'manual') {
      results.set(id, { ...empty, status: 'manual' });
      continue;
    }
    if (outcome.status !== 'done') {
      results.set(id, { ...empty, status: 'failed', error: outcome.error ?? { code: outcome.status, message: `${id} was not searched (${outcome.status})` } });
      continue;
    }
    const unknown = fields.filter((f) => !node.fields.some((nf) => nf.name === f));
    if (unknown.length > 0) {
      results.set(id, { ...empty, status: 'failed', error: { code: 'missing_field', message: `${id} has no field ${unknown.join(', ')} in the data map` } });
      continue;
    }
    const keySet = new Set(outcome.keyFields ?? []);
    if (fields.some((f) => keySet.has(f) || outcome.keyFields === null)) {
      results.set(id, { ...empty, status: 'failed', error: { code: 'key_field', message: `${id}: a key field cannot be corrected here, and rows need a key to be corrected` } });
      continue;
    }
    const rows = (found.get(id) ?? []).filter((r) => list.some((c) => !c.key || keyString(c.key) === keyString(r.key)));
    const writes: RowWrite[] = [];
    for (const r of rows) {
      const set: Row = {};
      for (const c of list) if ((!c.key || keyString(c.key) === keyString(r.key)) && !sameValue(r.row[c.field], c.value)) set[c.field] = c.value;
      if (Object.keys(set).length > 0) writes.push({ key: r.key, set });
    }
    results.set(id, { ...empty, status: rows.length === 0 ? 'not_found' : writes.length === 0 ? 'nothing_to_do' : 'corrected', rows: rows.length, confirmed: writes.length === 0 && rows.length > 0, beforeHash: valuesHash(rows, fields), afterHash: valuesHash(rows, fields) });
    if (writes.length > 0) bySystem.set(node.system, [...(bySystem.get(node.system) ?? []), { node, rows, writes, fields }]);
  }

  await Promise.all(
    [...bySystem.values()].map(async (items) => {
      const first = items[0];
      if (!first) return;
      const connector = input.source.forNode(first.node);
      const failAll = (error: { code: string; message: string }) => {
        for (const it of items) {
          const prev = results.get(it.node.id);
          if (prev) results.set(it.node.id, { ...prev, status: 'failed', confirmed: false, error });
        }
      };
      if (!connector) return failAll({ code: 'no_connection', message: `no connection is configured for system '${first.node.system}'` });
      const batches: WriteBatch[] = items.map((it) => ({ dataset: it.node.dataset, collection: it.node.collection, keyFields: Object.keys(it.writes[0]?.key ?? {}), rows: it.writes }));
      let written;
      try {
        // One transaction for all of this system's corrections: either all hold or none.
        written = await withRetry(options.retry ?? DEFAULT_RETRY, () => connector.write(batches, { reference, purpose: 'correct', ...(options.signal ? { signal: options.signal } : {}) }));
      } catch (err) {
        return failAll(describeFailure(err));
      }
      for (const [i, it] of items.entries()) {
        const prev = results.get(it.node.id);
        if (!prev) continue;
        const keys = it.rows.map((r) => r.key);
        try {
          const readFields = [...new Set([...Object.keys(keys[0] ?? {}), ...it.fields])];
          const back = await connector.fetch({ dataset: it.node.dataset, collection: it.node.collection, keyFields: Object.keys(keys[0] ?? {}), fields: readFields, keys });
          const wantedHere = wanted.get(it.node.id) ?? [];
          const backRows = back.map((row) => ({ row, key: Object.fromEntries(Object.keys(keys[0] ?? {}).map((k) => [k, (isScalar(row[k] ?? null) ? row[k] : null) as Scalar])) as RowKey }));
          const confirmed =
            backRows.length === it.rows.length &&
            backRows.every((b) => wantedHere.every((c) => (c.key && keyString(c.key) !== keyString(b.key)) || sameValue(b.row[c.field], c.value)));
          results.set(it.node.id, { ...prev, changed: written[i]?.changed ?? 0, confirmed, afterHash: valuesHash(backRows, it.fields) });
        } catch (err) {
          results.set(it.node.id, { ...prev, changed: written[i]?.changed ?? 0, confirmed: false, error: describeFailure(err) });
        }
      }
    }),
  );
  return { reference, collections: [...results.values()], manualTasks: manual.tasks() };
}

// ---------------------------------------------------------------------------------------------
// Restriction (suspension of use, stopping provision)

export interface CollectionRestriction {
  id: string;
  status: 'applied' | 'nothing_to_do' | 'no_flag' | 'manual' | 'failed' | 'not_found';
  rows: number;
  changed: number;
  /** The flag field written, when the connection names one. */
  flagField?: string;
  error?: { code: string; message: string };
}

export interface RestrictionResult {
  reference: string;
  kind: RestrictionKind;
  collections: CollectionRestriction[];
  manualTasks: ManualChecklist[];
}

export async function runRestriction(input: EngineRunInput & { kind: RestrictionKind; reference?: string }): Promise<RestrictionResult> {
  const options = input.options ?? {};
  const reference = input.reference ?? `restrict_${randomBytes(8).toString('hex')}`;
  const collected = rowsByNode();
  const found = collected.found;
  const manual = manualCollector(input.plan, input.kind, options);
  const traversal = await traverse(
    input.plan,
    input.subjects,
    input.source,
    {
      reset: (node) => collected.reset(node.id),
      rows: (node, rows) => collected.add(node.id, rows),
      manual(node, searchBy) {
        manual.add(node, searchBy);
      },
    },
    options,
  );
  const results: CollectionRestriction[] = [];
  const bySystem = new Map<string, Array<{ node: PlanNode; batch: WriteBatch; result: CollectionRestriction }>>();
  for (const node of input.plan.nodes) {
    const outcome = traversal.outcomes.get(node.id);
    const rows = found.get(node.id) ?? [];
    const result: CollectionRestriction = { id: node.id, status: 'nothing_to_do', rows: rows.length, changed: 0 };
    results.push(result);
    if (!outcome || outcome.status === 'no_input') continue;
    if (outcome.status === 'manual') {
      result.status = 'manual';
      continue;
    }
    if (outcome.status !== 'done') {
      result.status = 'failed';
      result.error = outcome.error ?? { code: outcome.status, message: `${node.id} was not searched` };
      continue;
    }
    if (rows.length === 0) continue;
    const connector = input.source.forNode(node);
    if (!connector) continue;
    const flag = bindingFor(connector.options, node).restrictions?.[input.kind];
    if (connector.kind !== 'http' && !flag) {
      result.status = 'no_flag';
      continue;
    }
    if (outcome.keyFields === null) {
      result.status = 'failed';
      result.error = { code: 'key_field', message: `${node.id}: rows need a key to be flagged` };
      continue;
    }
    if (flag) result.flagField = flag.field;
    const batch: WriteBatch = {
      dataset: node.dataset,
      collection: node.collection,
      keyFields: outcome.keyFields,
      rows: rows.map((r): RowWrite => ({ key: r.key, set: flag ? { [flag.field]: flag.value } : {} })),
    };
    bySystem.set(node.system, [...(bySystem.get(node.system) ?? []), { node, batch, result }]);
  }
  await Promise.all(
    [...bySystem.values()].map(async (items) => {
      const first = items[0];
      if (!first) return;
      const connector = input.source.forNode(first.node);
      if (!connector) return;
      try {
        const written = await withRetry(options.retry ?? DEFAULT_RETRY, () =>
          connector.write(
            items.map((i) => i.batch),
            { reference, purpose: input.kind, ...(options.signal ? { signal: options.signal } : {}) },
          ),
        );
        items.forEach((it, i) => {
          it.result.changed = written[i]?.changed ?? 0;
          it.result.status = 'applied';
        });
      } catch (err) {
        for (const it of items) {
          it.result.status = 'failed';
          it.result.error = describeFailure(err);
        }
      }
    }),
  );
  return { reference, kind: input.kind, collections: results, manualTasks: manual.tasks() };
}
