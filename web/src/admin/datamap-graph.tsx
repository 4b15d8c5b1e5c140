// The data map drawn as a graph: every collection (table) of every system is a box, every
// field reference an arrow. The layout is layered: the first column holds the collections with
// an identity field (where a request starts looking), each next column what is reached through
// one more reference; anything unreached comes last. Boxes are coloured by system. The same
// references are listed as text below the picture.
import { useId } from 'react';
import type { SystemMap } from './api-types.ts';

export interface GraphNode {
  id: string;
  system: string;
  dataset: string;
  collection: string;
  identity: boolean;
  layer: number;
  row: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** The field that holds the reference, `collection.field`. */
  via: string;
}

function nodeId(system: string, dataset: string, collection: string): string {
  return `${system}/${dataset}/${collection}`;
}

/** Nodes, edges and the layered placement of the data map. */
export function buildGraph(systems: readonly SystemMap[]): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes = new Map<string, GraphNode>();
  const datasetOwners = new Map<string, string[]>();
  for (const s of systems) {
    for (const d of s.datasets) {
      datasetOwners.set(d.name, [...(datasetOwners.get(d.name) ?? []), s.name]);
      for (const c of d.collections) {
        const id = nodeId(s.name, d.name, c.name);
        nodes.set(id, { id, system: s.name, dataset: d.name, collection: c.name, identity: c.fields.some((f) => f.identity !== undefined), layer: -1, row: 0 });
      }
    }
  }
  const edges: GraphEdge[] = [];
  for (const s of systems) {
    for (const d of s.datasets) {
      for (const c of d.collections) {
        for (const f of c.fields) {
          for (const ref of f.references) {
            const owners = datasetOwners.get(ref.dataset) ?? [];
            const targetSystem = ref.system ?? (owners.includes(s.name) ? s.name : owners.length === 1 ? owners[0] : undefined);
            const targetCollection = ref.field.split('.')[0];
            if (!targetSystem || !targetCollection) continue;
            const to = nodeId(targetSystem, ref.dataset, targetCollection);
            const from = nodeId(s.name, d.name, c.name);
            if (!nodes.has(to) || to === from) continue;
            // "from": the target's values find rows here, so the arrow points this way.
            edges.push(ref.direction === 'from' ? { from: to, to: from, via: `${c.name}.${f.path}` } : { from, to, via: `${c.name}.${f.path}` });
          }
        }
      }
    }
  }
  // Breadth-first over the references (either way) from the identity collections.
  const neighbours = new Map<string, string[]>();
  for (const e of edges) {
    neighbours.set(e.from, [...(neighbours.get(e.from) ?? []), e.to]);
    neighbours.set(e.to, [...(neighbours.get(e.to) ?? []), e.from]);
  }
  const queue = [...nodes.values()].filter((n) => n.identity);
  for (const n of queue) n.layer = 0;
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i];
    if (!n) continue;
    for (const id of neighbours.get(n.id) ?? []) {
      const m = nodes.get(id);
      if (m && m.layer === -1) {
        m.layer = n.layer + 1;
        queue.push(m);
      }
    }
  }
  const reached = Math.max(-1, ...[...nodes.values()].map((n) => n.layer));
  for (const n of nodes.values()) if (n.layer === -1) n.layer = reached + 1;
  const byLayer = new Map<number, GraphNode[]>();
  for (const n of nodes.values()) byLayer.set(n.layer, [...(byLayer.get(n.layer) ?? []), n]);
  for (const list of byLayer.values()) {
    list.sort((a, b) => a.system.localeCompare(b.system) || a.collection.localeCompare(b.collection));
    list.forEach((n, i) => {
      n.row = i;
    });
  }
  return { nodes: [...nodes.values()], edges };
}

const NODE_W = 190;
const NODE_H = 46;
const COL_GAP = 80;
const ROW_GAP = 18;
const PAD = 16;
const PALETTE = 8;

export function DataMapGraph({ systems, label }: { systems: readonly SystemMap[]; label: (nodes: number, edges: number) => string }) {
  const markerId = useId().replace(/:/g, '');
  const { nodes, edges } = buildGraph(systems);
  const systemIndex = new Map(systems.map((s, i) => [s.name, i % PALETTE]));
  const layers = Math.max(0, ...nodes.map((n) => n.layer)) + 1;
  const rows = Math.max(0, ...nodes.map((n) => n.row)) + 1;
  const width = PAD * 2 + layers * NODE_W + (layers - 1) * COL_GAP;
  const height = PAD * 2 + rows * NODE_H + (rows - 1) * ROW_GAP;
  const pos = new Map(nodes.map((n) => [n.id, { x: PAD + n.layer * (NODE_W + COL_GAP), y: PAD + n.row * (NODE_H + ROW_GAP) }]));

  return (
    <div className="graph-wrap">
      <svg className="datamap-graph" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={label(nodes.length, edges.length)}>
        <defs>
          <marker id={markerId} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0 0L10 5L0 10z" className="graph-arrow" />
          </marker>
        </defs>
        {edges.map((e, i) => {
          const a = pos.get(e.from);
          const b = pos.get(e.to);
          if (!a || !b) return null;
          let d: string;
          if (a.x === b.x) {
            // Same column: loop out to the right.
            const x = a.x + NODE_W;
            const bend = x + 30 + (i % 3) * 8;
            d = `M${x} ${a.y + NODE_H / 2}C${bend} ${a.y + NODE_H / 2} ${bend} ${b.y + NODE_H / 2} ${x} ${b.y + NODE_H / 2}`;
          } else {
            const forward = b.x > a.x;
            const x1 = forward ? a.x + NODE_W : a.x;
            const x2 = forward ? b.x : b.x + NODE_W;
            const mid = (x1 + x2) / 2;
            d = `M${x1} ${a.y + NODE_H / 2}C${mid} ${a.y + NODE_H / 2} ${mid} ${b.y + NODE_H / 2} ${x2} ${b.y + NODE_H / 2}`;
          }
          return <path key={`${e.from}-${e.to}-${i}`} d={d} className="graph-edge" markerEnd={`url(#${markerId})`} />;
        })}
        {nodes.map((n) => {
          const p = pos.get(n.id);
          if (!p) return null;
          return (
            <g key={n.id} transform={`translate(${p.x} ${p.y})`} className={`graph-node graph-sys-${systemIndex.get(n.system) ?? 0}`}>
              <rect width={NODE_W} height={NODE_H} rx={6} className={n.identity ? 'graph-box graph-identity' : 'graph-box'} />
              <text x={10} y={19} className="graph-title">
                {n.collection.length > 24 ? `${n.collection.slice(0, 23)}…` : n.collection}
              </text>
              <text x={10} y={36} className="graph-sub">
                {`${n.system} · ${n.dataset}`.slice(0, 30)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
