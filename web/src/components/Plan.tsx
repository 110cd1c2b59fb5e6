// A planned rebuild (GET /plan): what a change to packages would rebuild, in waves; nothing runs.
import { Link } from "react-router";
import type { z } from "zod";
import type { ChangePlanView } from "../../../src/api/schemas";
import { duration } from "../format";
import { useApi } from "../useApi";
import { Fetching } from "./Feedback";
import { WaveColumns } from "./Waves";

type Plan = z.infer<typeof ChangePlanView>;
export type Downstream = "modes" | "all" | "none";

export const DOWNSTREAM: { value: Downstream; label: string }[] = [
  { value: "modes", label: "as a change would (rebuild modes)" },
  { value: "all", label: "with everything downstream" },
  { value: "none", label: "the packages alone" },
];

export function planPath(packages: readonly string[], downstream: Downstream): string {
  return `/plan?packages=${packages.map(encodeURIComponent).join(",")}&downstream=${downstream}`;
}

export function DownstreamSelect({
  value,
  onChange,
}: {
  value: Downstream;
  onChange: (v: Downstream) => void;
}) {
  return (
    <label className="field field-inline">
      <span>Rebuild</span>
      <select value={value} onChange={(e) => onChange(e.target.value as Downstream)}>
        {DOWNSTREAM.map((d) => (
          <option key={d.value} value={d.value}>
            {d.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function PlanWaves({
  packages,
  downstream,
  mapLink = false,
}: {
  packages: readonly string[];
  downstream: Downstream;
  /** Offer the plan as its own page (a planned rebuild map). */
  mapLink?: boolean;
}) {
  const path = planPath(packages, downstream);
  const plan = useApi<Plan>(path, { live: false });
  const p = plan.data;
  return (
    <div className="plan">
      <Fetching error={plan.error} loading={plan.loading} what="Planning…" />
      {p && (
        <>
          <p>
            Rebuilds {p.packages.length} package{p.packages.length === 1 ? "" : "s"} in {p.waves.length} wave
            {p.waves.length === 1 ? "" : "s"}: about {duration(p.criticalPathMs)} from start to end (the
            longest chain), {duration(p.totalWorkMs)} of build work in all. Nothing runs until you rebuild.
            {mapLink && (
              <>
                {" "}
                <Link to={path}>Open as a rebuild map</Link>
              </>
            )}
          </p>
          <WaveColumns
            waves={p.waves.map((w) => w.map((name) => ({ package: name, status: "planned", build: null })))}
          />
        </>
      )}
    </div>
  );
}
