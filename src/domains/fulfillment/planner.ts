// Planning a search for one person across the data map, before anything runs (pure: the map
// and the identity types in, a printable plan out; no values, so staff can review it).
//
// The rule: a field with an `identity` the request has is an entry point; every reference is an
// edge (`to`: this field's values find rows in the target; `from`: the target's values find rows
// here; no direction: both), within a system or across systems. A collection is queried once,
// when every reachable collection feeding it has been queried, so all its input values go into
// one batched query. Where edges form a cycle, the collection nearest an entry point (then by
// name) is queried first and the edges into it from the rest of the cycle are cut and listed.
// Collections no edge reaches are listed as unreachable. Nested fields are read with their
// top-level field; references and identities on nested fields are listed as not followed.
// Erasure runs in its own order: the collection holding a reference is changed before the one
// it points at (as foreign keys require), and Fides' `erase_after` is honoured.
import { resolveReference, walkFields } from '../inventory/datamap.rules.ts';
import type { DataCollection, DataField, DataMap, DataSet, DataSystem, EraseSpec, LegalHold, SystemKind } from '../inventory/datamap.types.ts';

export interface PlanNestedField {
  /** Path below the top-level field, e.g. `["address", "city"]`. */
  path: string[];
  categories: string[];
  erase?: EraseSpec;
  readOnly: boolean;
}

export interface PlanField {
  /** The top-level field (a column, a hash field). */
  name: string;
  /** Its own categories, or those of its collection or dataset when it names none. */
  categories: string[];
  nested: PlanNestedField[];
  primaryKey: boolean;
  identity?: string;
  readOnly: boolean;
  erase?: EraseSpec;
}

export type InputSource = { kind: 'identity'; identity: string } | { kind: 'field'; node: string; field: string };

export interface PlanInput {
  /** The field of this collection the values are matched against. */
  field: string;
  source: InputSource;
}

export interface PlanNode {
  /** `system:dataset.collection` */
  id: string;
  system: string;
  systemKind: SystemKind | null;
  /** The connection name the system names, if any. */
  connection: string | null;
  owner: string | null;
  dataset: string;
  collection: string;
  fields: PlanField[];
  /** Declared primary-key fields (the connector may find the table's own when none). */
  keyFields: string[];
  inputs: PlanInput[];
  /** Collections that must be queried first. */
  dependsOn: string[];
  /** 1-based: collections of one step can run together. */
  step: number;
  legalHolds: LegalHold[];
  /** `delete_row` when erasing a person deletes their rows here. */
  collectionErase: EraseSpec | null;
}

export interface SkippedCollection {
  id: string;
  system: string;
  dataset: string;
  collection: string;
  reason: 'unreachable' | 'skip_processing';
}

export interface CutEdge {
  from: string;
  fromField: string;
  to: string;
  toField: string;
  reason: 'cycle' | 'nested_field' | 'skipped_collection' | 'unresolved';
}

export interface Plan {
  /** Identity types given that some collection can be searched by. */
  identityTypes: string[];
  /** Identity types given that no field of the map has. */
  unusedIdentityTypes: string[];
  /** In query order (by step, then id). */
  nodes: PlanNode[];
  skipped: SkippedCollection[];
  cutEdges: CutEdge[];
  /** Node ids in the order erasure changes them. */
  eraseOrder: string[];
}

export function nodeId(system: string, dataset: string, collection: string): string {
  return `${system}:${dataset}.${collection}`;
}

function effectiveCategories(field: DataField, collection: DataCollection, dataset: DataSet): string[] {
  if (field.dataCategories && field.dataCategories.length > 0) return [...field.dataCategories];
  if (collection.dataCategories && collection.dataCategories.length > 0) return [...collection.dataCategories];
  return [...(dataset.dataCategories ?? [])];
}

function nestedOf(field: DataField, inherited: string[], prefix: string[] = []): PlanNestedField[] {
  const out: PlanNestedField[] = [];
  for (const child of field.fields ?? []) {
    const path = [...prefix, child.name];
    const categories = child.dataCategories && child.dataCategories.length > 0 ? [...child.dataCategories] : inherited;
    out.push({ path, categories, readOnly: child.readOnly === true, ...(child.erase ? { erase: child.erase } : {}) });
    out.push(...nestedOf(child, categories, path));
  }
  return out;
}

interface Built {
  node: PlanNode;
  collection: DataCollection;
  system: DataSystem;
  skip: boolean;
  /** `after` of the collection, as given. */
  after: string[];
  eraseAfter: string[];
}

/** Builds the plan for a request carrying the given identity types (email, phone_number, …). */
export function buildPlan(map: DataMap, identityTypes: readonly string[]): Plan {
  const wanted = new Set(identityTypes);
  const built = new Map<string, Built>();
  const byCollection = new Map<DataCollection, Built>();
  for (const system of map.systems) {
    for (const dataset of system.datasets) {
      for (const collection of dataset.collections) {
        const id = nodeId(system.name, dataset.name, collection.name);
        const fields: PlanField[] = collection.fields.map((f) => {
          const categories = effectiveCategories(f, collection, dataset);
          return {
            name: f.name,
            categories,
            nested: nestedOf(f, categories),
            primaryKey: f.primaryKey === true,
            readOnly: f.readOnly === true,
            ...(f.identity !== undefined ? { identity: f.identity } : {}),
            ...(f.erase ? { erase: f.erase } : {}),
          };
        });
        const node: PlanNode = {
          id,
          system: system.name,
          systemKind: system.kind ?? null,
          connection: system.connection ?? null,
          owner: system.owner ?? null,
          dataset: dataset.name,
          collection: collection.name,
          fields,
          keyFields: fields.filter((f) => f.primaryKey).map((f) => f.name),
          inputs: [],
          dependsOn: [],
          step: 0,
          legalHolds: [...collection.legalHolds],
          collectionErase: collection.erase ?? null,
        };
        const b: Built = { node, collection, system, skip: collection.skipProcessing === true, after: collection.after ?? [], eraseAfter: collection.eraseAfter ?? [] };
        built.set(id, b);
        byCollection.set(collection, b);
      }
    }
  }

  const cutEdges: CutEdge[] = [];
  const usedIdentities = new Set<string>();
  const addInput = (node: PlanNode, input: PlanInput) => {
    const same = node.inputs.some(
      (i) =>
        i.field === input.field &&
        i.source.kind === input.source.kind &&
        (i.source.kind === 'identity' && input.source.kind === 'identity'
          ? i.source.identity === input.source.identity
          : i.source.kind === 'field' && input.source.kind === 'field' && i.source.node === input.source.node && i.source.field === input.source.field),
    );
    if (!same) node.inputs.push(input);
  };
  /** Where the engine reads a dotted path: only top-level fields can be matched. */
  const topLevel = (path: string): string | null => (path.includes('.') ? null : path);
  // Fields that hold a reference to another collection, for the erase order.
  const holdsReference: Array<{ holder: string; target: string }> = [];

  for (const b of built.values()) {
    for (const { field, path } of walkFields(b.collection.fields)) {
      if (field.identity !== undefined && wanted.has(field.identity)) {
        usedIdentities.add(field.identity);
        const top = topLevel(path);
        if (top === null) cutEdges.push({ from: `identity:${field.identity}`, fromField: field.identity, to: b.node.id, toField: path, reason: 'nested_field' });
        else if (!b.skip) addInput(b.node, { field: top, source: { kind: 'identity', identity: field.identity } });
      }
      for (const ref of field.references) {
        const r = resolveReference(map, b.system, ref);
        if (!r.ok) {
          cutEdges.push({ from: b.node.id, fromField: path, to: `${ref.dataset}.${ref.field}`, toField: ref.field, reason: 'unresolved' });
          continue;
        }
        const target = byCollection.get(r.target.collection);
        if (!target) continue;
        const targetPath = ref.field.split('.').slice(1).join('.');
        holdsReference.push({ holder: b.node.id, target: target.node.id });
        const here = topLevel(path);
        const there = topLevel(targetPath);
        // `to`: values here find rows there; `from`: values there find rows here; none: both.
        const edges: Array<{ src: Built; srcField: string | null; dst: Built; dstField: string | null; srcPath: string; dstPath: string }> = [];
        if (ref.direction !== 'from') edges.push({ src: b, srcField: here, dst: target, dstField: there, srcPath: path, dstPath: targetPath });
        if (ref.direction !== 'to') edges.push({ src: target, srcField: there, dst: b, dstField: here, srcPath: targetPath, dstPath: path });
        for (const e of edges) {
          if (e.srcField === null || e.dstField === null) {
            cutEdges.push({ from: e.src.node.id, fromField: e.srcPath, to: e.dst.node.id, toField: e.dstPath, reason: 'nested_field' });
          } else if (e.src.skip || e.dst.skip) {
            cutEdges.push({ from: e.src.node.id, fromField: e.srcField, to: e.dst.node.id, toField: e.dstField, reason: 'skipped_collection' });
          } else {
            addInput(e.dst.node, { field: e.dstField, source: { kind: 'field', node: e.src.node.id, field: e.srcField } });
          }
        }
      }
    }
  }

  // Reachability and distance from the entry points.
  const distance = new Map<string, number>();
  const queue: string[] = [];
  for (const b of built.values()) {
    if (!b.skip && b.node.inputs.some((i) => i.source.kind === 'identity')) {
      distance.set(b.node.id, 0);
      queue.push(b.node.id);
    }
  }
  const outgoing = new Map<string, Set<string>>();
  for (const b of built.values()) {
    for (const i of b.node.inputs) {
      if (i.source.kind !== 'field') continue;
      let set = outgoing.get(i.source.node);
      if (!set) outgoing.set(i.source.node, (set = new Set()));
      set.add(b.node.id);
    }
  }
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head] ?? '';
    const d = distance.get(id) ?? 0;
    for (const next of [...(outgoing.get(id) ?? [])].sort()) {
      if (!distance.has(next)) {
        distance.set(next, d + 1);
        queue.push(next);
      }
    }
  }
  const reachable = (id: string) => distance.has(id);

  // Inputs from unreachable collections can never carry values: drop them.
  for (const b of built.values()) {
    b.node.inputs = b.node.inputs.filter((i) => i.source.kind === 'identity' || reachable(i.source.node));
  }

  const findByName = (from: Built, ref: string): Built | undefined => {
    const dot = ref.indexOf('.');
    const datasetName = ref.slice(0, dot);
    const collectionName = ref.slice(dot + 1);
    const candidates = [...built.values()].filter((x) => x.node.dataset === datasetName && x.node.collection === collectionName);
    return candidates.find((x) => x.node.system === from.node.system) ?? (candidates.length === 1 ? candidates[0] : undefined);
  };

  // Order: waves of collections whose feeding collections are all done; cycles cut as described.
  const remaining = new Set([...built.values()].filter((b) => !b.skip && reachable(b.node.id)).map((b) => b.node.id));
  const afterDeps = new Map<string, Set<string>>();
  for (const id of remaining) {
    const b = built.get(id);
    if (!b) continue;
    const deps = new Set<string>();
    for (const a of b.after) {
      const target = findByName(b, a);
      if (target && target.node.id !== id && remaining.has(target.node.id)) deps.add(target.node.id);
    }
    afterDeps.set(id, deps);
  }
  const depsOf = (id: string): Set<string> => {
    const b = built.get(id);
    const deps = new Set<string>(afterDeps.get(id) ?? []);
    for (const i of b?.node.inputs ?? []) if (i.source.kind === 'field') deps.add(i.source.node);
    return deps;
  };
  const step = new Map<string, number>();
  const order: string[] = [];
  while (remaining.size > 0) {
    let ready = [...remaining].filter((id) => [...depsOf(id)].every((d) => step.has(d)));
    if (ready.length === 0) {
      const pick = [...remaining].sort((a, b) => (distance.get(a) ?? 0) - (distance.get(b) ?? 0) || a.localeCompare(b))[0] ?? '';
      const node = built.get(pick)?.node;
      if (node) {
        node.inputs = node.inputs.filter((i) => {
          if (i.source.kind !== 'field' || step.has(i.source.node)) return true;
          cutEdges.push({ from: i.source.node, fromField: i.source.field, to: node.id, toField: i.field, reason: 'cycle' });
          return false;
        });
        const kept = new Set([...(afterDeps.get(pick) ?? [])].filter((d) => step.has(d)));
        afterDeps.set(pick, kept);
      }
      ready = [pick];
    }
    for (const id of ready.sort()) {
      const deps = [...depsOf(id)];
      step.set(id, 1 + Math.max(0, ...deps.map((d) => step.get(d) ?? 0)));
      remaining.delete(id);
    }
    order.push(...ready);
  }

  const nodes = order
    .map((id) => built.get(id)?.node)
    .filter((n): n is PlanNode => n !== undefined)
    .map((n) => ({ ...n, step: step.get(n.id) ?? 1, dependsOn: [...depsOf(n.id)].sort() }))
    .sort((a, b) => a.step - b.step || a.id.localeCompare(b.id));

  const skipped: SkippedCollection[] = [...built.values()]
    .filter((b) => b.skip || !reachable(b.node.id))
    .map((b) => ({ id: b.node.id, system: b.node.system, dataset: b.node.dataset, collection: b.node.collection, reason: b.skip ? ('skip_processing' as const) : ('unreachable' as const) }));

  return {
    identityTypes: [...usedIdentities].sort(),
    unusedIdentityTypes: [...wanted].filter((t) => !usedIdentities.has(t)).sort(),
    nodes,
    skipped,
    cutEdges,
    eraseOrder: eraseOrder(nodes, holdsReference, (id) => built.get(id), findByName),
  };
}

function eraseOrder(
  nodes: readonly PlanNode[],
  holdsReference: ReadonlyArray<{ holder: string; target: string }>,
  get: (id: string) => Built | undefined,
  findByName: (from: Built, ref: string) => Built | undefined,
): string[] {
  const ids = new Set(nodes.map((n) => n.id));
  // before.get(x) = collections that must be changed before x.
  const before = new Map<string, Set<string>>();
  const need = (first: string, then: string) => {
    if (first === then || !ids.has(first) || !ids.has(then)) return;
    let set = before.get(then);
    if (!set) before.set(then, (set = new Set()));
    set.add(first);
  };
  for (const { holder, target } of holdsReference) need(holder, target);
  for (const n of nodes) {
    const b = get(n.id);
    if (!b) continue;
    for (const ref of b.eraseAfter) {
      const other = findByName(b, ref);
      if (other) need(other.node.id, n.id);
    }
  }
  const out: string[] = [];
  const done = new Set<string>();
  const queryRank = new Map(nodes.map((n, i) => [n.id, i]));
  const remaining = new Set(ids);
  while (remaining.size > 0) {
    const ready = [...remaining].filter((id) => [...(before.get(id) ?? [])].every((d) => done.has(d) || !remaining.has(d)));
    // A cycle of references: change the one found last first, as the traversal would unwind.
    const pick = ready.length > 0 ? ready : [[...remaining].sort((a, b) => (queryRank.get(b) ?? 0) - (queryRank.get(a) ?? 0))[0] ?? ''];
    for (const id of pick.sort((a, b) => (queryRank.get(b) ?? 0) - (queryRank.get(a) ?? 0))) {
      out.push(id);
      done.add(id);
      remaining.delete(id);
    }
  }
  return out;
}

function describeSource(source: InputSource): string {
  return source.kind === 'identity' ? `identity ${source.identity}` : `${source.node} ${source.field}`;
}

/** The plan as text for staff and engineers: steps, what each collection is searched by, what is left out. */
export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  const steps = Math.max(0, ...plan.nodes.map((n) => n.step));
  lines.push(
    `Plan: ${plan.nodes.length} collection(s) in ${steps} step(s), starting from ${plan.identityTypes.length > 0 ? plan.identityTypes.join(', ') : 'no usable identity'}.`,
  );
  if (plan.unusedIdentityTypes.length > 0) lines.push(`Identity types no field has: ${plan.unusedIdentityTypes.join(', ')}.`);
  for (const n of plan.nodes) {
    const holds = n.legalHolds.length > 0 ? `  [legal hold: ${n.legalHolds.map((h) => h.reason).join('; ')}]` : '';
    const kind = n.systemKind === 'manual' ? '  [manual: task for the owner]' : '';
    lines.push(`  step ${n.step}  ${n.id}${kind}${holds}`);
    for (const i of n.inputs) lines.push(`           ${i.field} <- ${describeSource(i.source)}`);
  }
  for (const s of plan.skipped) lines.push(`  not searched  ${s.id}  (${s.reason === 'unreachable' ? 'no identity or reference leads here' : 'skip_processing'})`);
  for (const c of plan.cutEdges) lines.push(`  not followed  ${c.from} ${c.fromField} -> ${c.to} ${c.toField}  (${c.reason.replace(/_/g, ' ')})`);
  if (plan.eraseOrder.length > 0) lines.push(`Erasure order: ${plan.eraseOrder.join(', ')}`);
  return lines.join('\n');
}
