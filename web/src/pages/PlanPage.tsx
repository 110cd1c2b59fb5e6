// A planned rebuild as a map (/plan?packages=a,b&downstream=modes): what would build, nothing runs.
import { useSearchParams } from "react-router";
import { ErrorMessage } from "../components/Feedback";
import { DownstreamSelect, PlanWaves, type Downstream } from "../components/Plan";
import { RebuildButtons } from "../components/RebuildButtons";

export function PlanPage() {
  const [params, setParams] = useSearchParams();
  const packages = (params.get("packages") ?? "").split(",").filter(Boolean);
  const d = params.get("downstream");
  const downstream: Downstream = d === "all" || d === "none" ? d : "modes";
  return (
    <>
      <title>Planned rebuild · Kiln</title>
      <h1>Planned rebuild of {packages.join(", ") || "…"}</h1>
      {packages.length === 0 ? (
        <ErrorMessage error="Name the packages to plan for: /plan?packages=NAME" />
      ) : (
        <>
          <div className="toolbar">
            <DownstreamSelect
              value={downstream}
              onChange={(v) => setParams({ packages: packages.join(","), downstream: v }, { replace: true })}
            />
            <RebuildButtons packages={packages} />
          </div>
          <PlanWaves packages={packages} downstream={downstream} />
        </>
      )}
    </>
  );
}
