// Running a plan's search: each collection is queried once, as soon as every collection
// feeding it has finished, with one batched query carrying all its input values; collections
// of different systems (and of one system, up to its connection limit) run at the same time.
// Values travel along the plan's edges with the set of subjects (persons) they came from, so
// each row knows whose identities reached it. A failing query is retried with backoff when the
// failure is temporary; a system found unreachable fails its remaining collections at once with
// the same clear error, and only those. Rows are handed to the caller page by page.
import {
  ConnectorError,
  DEFAULT_RETRY,
  Limiter,
  describeFailure,
  isScalar,
  withRetry,
  type Connector,
  type FieldMatch,
  type RetryPolicy,
  type Row,
  type RowKey,
  type Scalar,
} from '../../connectors/connector.ts';
import type { Plan, PlanNode } from './planner.ts';

/** One person whose identities start the search; `id` is a label such as `subject` or `s1`. */
export interface Subject {
  id: string;
  identities: Record<string, readonly string[]>;
}

export type NodeStatus = 'done' | 'failed' | 'no_connection' | 'manual' | 'no_input';

export interface NodeOutcome {
  id: string;
  status: NodeStatus;
  rowCount: number;
  attempts: number;
  error?: { code: string; message: string };
  /** Feeding collections that failed: this collection's search may be incomplete. */
  incompleteBecause: string[];
  /** The fields that address a row here (declared, or the table's own key), or null: all fields. */
  keyFields: string[] | null;
}

export interface FoundRow {
  row: Row;
  /** The row's key values; all read fields when the collection has no key. */
  key: RowKey;
  /** Shared between rows and values and never changed (see subjectSets). */
  subjects: ReadonlySet<string>;
  /** Matched through an identity field (not only through references). */
  viaIdentity: boolean;
}

export type EngineEvent =
  | { type: 'node_started'; node: string; attempt: number }
  | { type: 'node_rows'; node: string; rows: number }
  | { type: 'node_finished'; node: string; status: NodeStatus; rows: number; error?: string }
  | { type: 'retry'; node: string; attempt: number; error: string }
  | { type: 'write_started'; node: string; rows: number }
  | { type: 'write_finished'; node: string; changed: number; error?: string };

export interface ConnectorSource {
  /** The connector of a node's system, or null when no connection is configured. */
  forNode(node: PlanNode): Connector | null;
}

export interface TraversalOptions {
  retry?: RetryPolicy;
  pageSize?: number;
  signal?: AbortSignal;
  onEvent?: (event: EngineEvent) => void;
}

export interface TraversalHandler {
  /** A fresh attempt at a node begins: forget rows of an earlier attempt. */
  reset?(node: PlanNode): void;
  rows(node: PlanNode, rows: FoundRow[]): void | Promise<void>;
  /** A manual system's collection: the values its owner must search for. */
  manual?(node: PlanNode, searchBy: FieldMatch[]): void;
}

export interface TraversalResult {
  outcomes: Map<string, NodeOutcome>;
  /** Values each node produced for the fields other collections are searched by. */
  produced: Map<string, Map<string, Map<string, ValueOrigin>>>;
}

export interface ValueOrigin {
  value: Scalar;
  /** Replaced, never changed in place: the set may be shared with other values. */
  subjects: ReadonlySet<string>;
}

/**
 * Sets of subjects, one per distinct combination, shared by every value and row that has it.
 * A person with 100k orders passes 100k order numbers on to the next collection; a new set for
 * each would cost more memory than the numbers themselves.
 */
function subjectSets(): { of(ids: Iterable<string>): ReadonlySet<string>; union(a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> } {
  const interned = new Map<string, ReadonlySet<string>>();
  const of = (ids: Iterable<string>): ReadonlySet<string> => {
    const sorted = [...new Set(ids)].sort();
    const key = JSON.stringify(sorted);
    let set = interned.get(key);
    if (!set) interned.set(key, (set = new Set(sorted)));
    return set;
  };
  return {
    of,
    union(a, b) {
      if (a === b) return a;
      for (const s of b) if (!a.has(s)) return of([...a, ...b]);
      return a;
    },
  };
}

/** Values are compared as text: an integer key matches the same number read as text elsewhere. */
export function valueText(value: Scalar): string {
  return typeof value === 'string' ? value : String(value);
}

export function rowKeyOf(row: Row, keyFields: readonly string[] | null, readFields: readonly string[]): RowKey {
  const key: RowKey = {};
  for (const f of keyFields ?? readFields) {
    const v = row[f];
    key[f] = isScalar(v) ? v : v === undefined ? null : JSON.stringify(v);
  }
  return key;
}

export async function traverse(plan: Plan, subjects: readonly Subject[], source: ConnectorSource, handler: TraversalHandler, options: TraversalOptions = {}): Promise<TraversalResult> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const emit = options.onEvent ?? (() => {});
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const outcomes = new Map<string, NodeOutcome>();
  const produced = new Map<string, Map<string, Map<string, ValueOrigin>>>();
  const limiters = new Map<string, Limiter>();
  const downSystems = new Map<string, ConnectorError>();
  const sets = subjectSets();
  const noSubjects = sets.of([]);

  // Fields each node must report values of, for the collections it feeds.
  const needed = new Map<string, Set<string>>();
  for (const n of plan.nodes) {
    for (const i of n.inputs) {
      if (i.source.kind !== 'field') continue;
      let set = needed.get(i.source.node);
      if (!set) needed.set(i.source.node, (set = new Set()));
      set.add(i.source.field);
    }
  }

  const identityValues = new Map<string, Map<string, ValueOrigin>>();
  for (const s of subjects) {
    for (const [type, values] of Object.entries(s.identities)) {
      let map = identityValues.get(type);
      if (!map) identityValues.set(type, (map = new Map()));
      for (const v of values) {
        const text = valueText(v);
        const origin = map.get(text) ?? { value: v, subjects: noSubjects };
        origin.subjects = sets.union(origin.subjects, sets.of([s.id]));
        map.set(text, origin);
      }
    }
  }

  /** Input values per field of a node, with their subjects. */
  function inputsOf(node: PlanNode): Map<string, { identity: boolean; values: ReadonlyMap<string, ValueOrigin> }> {
    const out = new Map<string, { identity: boolean; values: Map<string, ValueOrigin>; copied: boolean }>();
    for (const input of node.inputs) {
      const from = input.source.kind === 'identity' ? identityValues.get(input.source.identity) : produced.get(input.source.node)?.get(input.source.field);
      if (!from) continue;
      const identity = input.source.kind === 'identity';
      const entry = out.get(input.field);
      if (!entry) {
        // A field fed from one source reads that source's values where they are: the source has
        // finished, so they no longer change, and a copy would double the memory of a large person.
        out.set(input.field, { identity, values: from, copied: false });
        continue;
      }
      if (identity) entry.identity = true;
      if (!entry.copied) {
        entry.values = new Map([...entry.values].map(([text, o]): [string, ValueOrigin] => [text, { value: o.value, subjects: o.subjects }]));
        entry.copied = true;
      }
      for (const [text, origin] of from) {
        const existing = entry.values.get(text);
        if (existing) existing.subjects = sets.union(existing.subjects, origin.subjects);
        else entry.values.set(text, { value: origin.value, subjects: origin.subjects });
      }
    }
    return out;
  }

  function record(node: PlanNode, found: FoundRow): void {
    const fields = needed.get(node.id);
    if (!fields) return;
    let perField = produced.get(node.id);
    if (!perField) produced.set(node.id, (perField = new Map()));
    for (const f of fields) {
      const v = found.row[f];
      if (v === null || v === undefined || !isScalar(v)) continue;
      const text = valueText(v);
      let values = perField.get(f);
      if (!values) perField.set(f, (values = new Map()));
      const existing = values.get(text);
      if (existing) existing.subjects = sets.union(existing.subjects, found.subjects);
      else values.set(text, { value: v, subjects: found.subjects });
    }
  }

  async function runNode(node: PlanNode): Promise<NodeOutcome> {
    const incompleteBecause = node.dependsOn.filter((d) => {
      const o = outcomes.get(d);
      return o !== undefined && o.status !== 'done' && o.status !== 'no_input';
    });
    const base = { id: node.id, rowCount: 0, attempts: 0, incompleteBecause, keyFields: node.keyFields.length > 0 ? [...node.keyFields] : null };
    const inputs = inputsOf(node);
    const match: FieldMatch[] = [...inputs.entries()]
      .map(([field, e]) => ({ field, values: [...e.values.values()].map((o) => o.value) }))
      .filter((m) => m.values.length > 0);
    const connector = source.forNode(node);
    if (node.systemKind === 'manual' || connector?.kind === 'manual') {
      if (match.length > 0) handler.manual?.(node, match);
      return { ...base, status: match.length > 0 ? 'manual' : 'no_input' };
    }
    if (match.length === 0) return { ...base, status: 'no_input' };
    if (!connector) {
      return { ...base, status: 'no_connection', error: { code: 'no_connection', message: `no connection is configured for system '${node.system}'` } };
    }
    const down = downSystems.get(node.system);
    if (down) return { ...base, status: 'failed', error: { code: down.code, message: down.message } };

    let limiter = limiters.get(node.system);
    if (!limiter) limiters.set(node.system, (limiter = new Limiter(connector.concurrency)));
    const readFields = node.fields.map((f) => f.name);
    let attempts = 0;
    let rowCount = 0;
    let keyFields: string[] | null = base.keyFields;
    try {
      await limiter.run(() =>
        withRetry(
          retry,
          async (attempt) => {
            attempts = attempt;
            rowCount = 0;
            handler.reset?.(node);
            emit({ type: 'node_started', node: node.id, attempt });
            keyFields = await connector.keyFields(node, node.keyFields);
            const fields = [...new Set([...readFields, ...(keyFields ?? [])])];
            for await (const page of connector.query({
              dataset: node.dataset,
              collection: node.collection,
              keyFields: keyFields ?? [],
              fields,
              match,
              ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
              ...(options.signal ? { signal: options.signal } : {}),
            })) {
              const found: FoundRow[] = [];
              for (const row of page) {
                let rowSubjects = noSubjects;
                let viaIdentity = false;
                for (const [field, e] of inputs) {
                  const v = row[field];
                  if (v === null || v === undefined || !isScalar(v)) continue;
                  const origin = e.values.get(valueText(v));
                  if (!origin) continue;
                  rowSubjects = sets.union(rowSubjects, origin.subjects);
                  if (e.identity) viaIdentity = true;
                }
                const f: FoundRow = { row, key: rowKeyOf(row, keyFields, fields), subjects: rowSubjects, viaIdentity };
                record(node, f);
                found.push(f);
              }
              rowCount += found.length;
              await handler.rows(node, found);
              emit({ type: 'node_rows', node: node.id, rows: rowCount });
            }
          },
          { ...(options.signal ? { signal: options.signal } : {}), onRetry: (attempt, err) => emit({ type: 'retry', node: node.id, attempt, error: describeFailure(err).message }) },
        ),
      );
      return { ...base, keyFields, status: 'done', rowCount, attempts };
    } catch (err) {
      const failure = describeFailure(err);
      if (failure.code === 'unreachable' && err instanceof ConnectorError) downSystems.set(node.system, err);
      // Values already passed on from a failed attempt stay: they were read from the system.
      return { ...base, keyFields, status: 'failed', rowCount, attempts, error: failure };
    }
  }

  await new Promise<void>((resolve) => {
    const started = new Set<string>();
    let running = 0;
    const launch = () => {
      for (const node of plan.nodes) {
        if (started.has(node.id)) continue;
        if (!node.dependsOn.every((d) => outcomes.has(d) || !byId.has(d))) continue;
        started.add(node.id);
        running += 1;
        void runNode(node)
          .catch((err: unknown): NodeOutcome => ({
            id: node.id,
            status: 'failed',
            rowCount: 0,
            attempts: 0,
            incompleteBecause: [],
            keyFields: null,
            error: describeFailure(err),
          }))
          .then((outcome) => {
          outcomes.set(node.id, outcome);
          emit({ type: 'node_finished', node: node.id, status: outcome.status, rows: outcome.rowCount, ...(outcome.error ? { error: outcome.error.message } : {}) });
          running -= 1;
          launch();
          if (running === 0 && started.size === plan.nodes.length) resolve();
        });
      }
      if (running === 0 && started.size === plan.nodes.length) resolve();
    };
    launch();
  });
  return { outcomes, produced };
}
