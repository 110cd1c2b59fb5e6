// A package's neighbourhood drawn with React Flow, laid out by dagre: dependencies above what
// build-requires them, each node coloured by its package's state.
import dagre from "@dagrejs/dagre";
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect, useMemo, useRef } from "react";
import type { GraphView } from "../../../src/api/schemas";
import { statusLabel, toneOf } from "../format";

type PkgData = { name: string; status: string; center: boolean };
type PkgNode = Node<PkgData, "pkg">;

const HEIGHT = 48;
const widthOf = (name: string): number => Math.max(110, name.length * 8 + 28);

function PackageNode({ data }: NodeProps<PkgNode>) {
  return (
    <div
      data-testid={`graph-node-${data.name}`}
      className={`graph-node tone-${toneOf(data.status)}${data.center ? " graph-node-center" : ""}`}
      title={`${data.name}: ${statusLabel(data.status)} — click for its graph, double-click for its page`}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <span className="graph-node-name">{data.name}</span>
      <span className="graph-node-status">{statusLabel(data.status)}</span>
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
}

const nodeTypes = { pkg: PackageNode };

function layout(graph: GraphView): { nodes: PkgNode[]; edges: Edge[] } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 24, ranksep: 56, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.name, { width: widthOf(n.name), height: HEIGHT });
  for (const e of graph.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const nodes: PkgNode[] = graph.nodes.map((n) => {
    const p = g.node(n.name);
    const w = widthOf(n.name);
    return {
      id: n.name,
      type: "pkg",
      position: { x: p.x - w / 2, y: p.y - HEIGHT / 2 },
      data: { name: n.name, status: n.status, center: n.center },
      style: { width: w, height: HEIGHT },
    };
  });
  const edges: Edge[] = graph.edges.map((e) => ({
    id: `${e.from}->${e.to}`,
    source: e.from,
    target: e.to,
    markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
  }));
  return { nodes, edges };
}

export function GraphCanvas({
  graph,
  onOpenGraph,
  onOpenPackage,
}: {
  graph: GraphView;
  onOpenGraph: (name: string) => void;
  onOpenPackage: (name: string) => void;
}) {
  const { nodes, edges } = useMemo(() => layout(graph), [graph]);
  // The first view: the package with its direct neighbours near it, readable; the rest is a pan away.
  const fitViewOptions = useMemo(() => {
    const at = new Map(nodes.map((n) => [n.id, n.position]));
    const c = at.get(graph.center);
    const near = new Set([graph.center]);
    for (const e of graph.edges) {
      const other = e.from === graph.center ? e.to : e.to === graph.center ? e.from : undefined;
      const p = other !== undefined ? at.get(other) : undefined;
      if (other !== undefined && p && c && Math.abs(p.x - c.x) <= 600) near.add(other);
    }
    return { nodes: [...near].map((id) => ({ id })), padding: 0.15, minZoom: 0.45, maxZoom: 1.25 };
  }, [graph, nodes]);
  // A click opens the package's graph, a double click its page: the click waits a moment to see
  // whether a second one follows.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(pending.current), []);
  return (
    <div className="graph-canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        fitView
        fitViewOptions={fitViewOptions}
        minZoom={0.05}
        zoomOnDoubleClick={false}
        onNodeClick={(_e, n) => {
          clearTimeout(pending.current);
          pending.current = setTimeout(() => onOpenGraph(n.id), 250);
        }}
        onNodeDoubleClick={(_e, n) => {
          clearTimeout(pending.current);
          onOpenPackage(n.id);
        }}
        aria-label={`Dependency graph around ${graph.center}`}
      >
        <Background gap={24} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
