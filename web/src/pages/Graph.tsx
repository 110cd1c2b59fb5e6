// The dependency graph: a package's neighbourhood (GET /graph, never more than 150 packages), to a
// depth and in a direction, coloured by state. Clicking a package opens its own neighbourhood.
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import type { GraphView, PackageSummary } from "../../../src/api/schemas";
import { Fetching } from "../components/Feedback";
import { GraphCanvas } from "../components/GraphCanvas";
import { StatusBadge } from "../components/StatusBadge";
import { useApi } from "../useApi";

const MAX = 150;
const DIRECTIONS = [
  { value: "both", label: "both: what it needs and what needs it" },
  { value: "up", label: "up: what it needs" },
  { value: "down", label: "down: what needs it" },
] as const;
type Direction = (typeof DIRECTIONS)[number]["value"];

const LEGEND = ["green", "cut-off", "running", "failed", "cancelled", "never built", "invalid"];

export function Graph() {
  const name = useParams().name;
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const depthParam = Number(params.get("depth"));
  const depth = Number.isInteger(depthParam) && depthParam >= 1 && depthParam <= 5 ? depthParam : 2;
  const dirParam = params.get("direction");
  const direction: Direction = dirParam === "up" || dirParam === "down" ? dirParam : "both";
  const query = `depth=${depth}&direction=${direction}`;
  const graph = useApi<GraphView>(
    name ? `/graph?package=${encodeURIComponent(name)}&${query}&max=${MAX}` : null,
    { keep: true },
  );
  const g = graph.data && name && graph.data.center === name ? graph.data : undefined;
  const setOption = (key: string, value: string): void => {
    const next = new URLSearchParams(params);
    next.set(key, value);
    setParams(next, { replace: true });
  };
  const openGraph = (n: string): void => void navigate(`/graph/${encodeURIComponent(n)}?${query}`);
  const openPackage = (n: string): void => void navigate(`/packages/${encodeURIComponent(n)}`);

  return (
    <>
      <title>{name ? `Graph of ${name} · Kiln` : "Dependency graph · Kiln"}</title>
      <h1>Dependency graph{name ? ` of ${name}` : ""}</h1>
      <div className="toolbar">
        <PackagePicker key={name ?? ""} initial={name ?? ""} onPick={openGraph} />
        <label className="field field-inline">
          <span>Depth</span>
          <select value={depth} onChange={(e) => setOption("depth", e.target.value)}>
            {[1, 2, 3, 4, 5].map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label className="field field-inline">
          <span>Direction</span>
          <select value={direction} onChange={(e) => setOption("direction", e.target.value)}>
            {DIRECTIONS.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {!name && (
        <p className="note">Pick a package to see what it build-requires and what build-requires it.</p>
      )}
      {name && (
        <>
          <Fetching error={graph.error} loading={graph.loading || (!g && !graph.error)} />
          {g && (
            <>
              <p>
                {g.truncated
                  ? `showing ${g.nodes.length} packages; more are further out`
                  : `${g.nodes.length} package${g.nodes.length === 1 ? "" : "s"}`}
                . Dependencies are drawn above what build-requires them; arrows point the way builds go. Click
                a package for its graph, double-click it for its page.{" "}
                <Link to={`/packages/${encodeURIComponent(g.center)}`}>
                  Open the package page of {g.center}
                </Link>
              </p>
              <ul className="legend" aria-label="Legend">
                {LEGEND.map((s) => (
                  <li key={s}>
                    <StatusBadge status={s} />
                  </li>
                ))}
              </ul>
              <GraphCanvas
                key={g.nodes.map((n) => n.name).join(" ")}
                graph={g}
                onOpenGraph={openGraph}
                onOpenPackage={openPackage}
              />
              <details className="graph-list">
                <summary>The {g.nodes.length} packages as a list</summary>
                <ul>
                  {g.nodes.map((n) => (
                    <li key={n.name}>
                      <Link to={`/packages/${encodeURIComponent(n.name)}`}>{n.name}</Link>{" "}
                      <StatusBadge status={n.status} />{" "}
                      <Link to={`/graph/${encodeURIComponent(n.name)}?${query}`}>
                        graph<span className="visually-hidden"> of {n.name}</span>
                      </Link>
                    </li>
                  ))}
                </ul>
              </details>
            </>
          )}
        </>
      )}
    </>
  );
}

/** A search box for a package: suggestions as you type, Enter opens the best match. */
function PackagePicker({ initial, onPick }: { initial: string; onPick: (name: string) => void }) {
  const [text, setText] = useState(initial);
  const q = text.trim();
  const typing = q !== "" && q !== initial;
  const found = useApi<{ packages: PackageSummary[]; total: number }>(
    typing ? `/packages?q=${encodeURIComponent(q)}&limit=12` : null,
    { keep: true, live: false },
  );
  const matches = typing ? (found.data?.packages ?? []) : [];
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!q) return;
    // Before the suggestions have come, the name as typed (the graph says if there is no such package).
    const answered = found.data !== undefined && !found.stale;
    const pick = matches.find((p) => p.name === q)?.name ?? (answered ? matches[0]?.name : q);
    if (pick) onPick(pick);
  };
  return (
    <form className="picker" role="search" onSubmit={submit}>
      <label className="field field-inline">
        <span>Package</span>
        <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="name…" />
      </label>
      <button type="submit" className="button">
        Show
      </button>
      {typing && matches.length > 0 && (
        <ul className="suggestions" aria-label="Suggestions">
          {matches.map((p) => (
            <li key={p.name}>
              <button type="button" className="link-button" onClick={() => onPick(p.name)}>
                {p.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      {typing && found.data && matches.length === 0 && <span className="muted">no package matches</span>}
    </form>
  );
}
