// The set's packages, searched as you type (?q=): version, status, version in each repository.
import { Link, useSearchParams } from "react-router";
import type { PackageSummary } from "../../../src/api/schemas";
import { Fetching } from "../components/Feedback";
import { StatusBadge } from "../components/StatusBadge";
import { useApi } from "../useApi";

const LIMIT = 500;

export function Packages() {
  const [params, setParams] = useSearchParams();
  const text = params.get("q") ?? "";
  const q = text.trim();
  const path = `/packages?limit=${LIMIT}${q ? `&q=${encodeURIComponent(q)}` : ""}`;
  const list = useApi<{ packages: PackageSummary[]; total: number }>(path, { keep: true });
  const packages = list.data?.packages ?? [];
  // The repositories, in the order the packages list them (the set's order).
  const repos = [...new Set(packages.flatMap((p) => Object.keys(p.repos)))];
  return (
    <>
      <title>Packages · Kiln</title>
      <h1>Packages</h1>
      <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <label className="field field-inline">
          <span>Search packages</span>
          <input
            type="search"
            value={text}
            placeholder="name contains…"
            onChange={(e) => setParams(e.target.value ? { q: e.target.value } : {}, { replace: true })}
          />
        </label>
        {list.data && (
          <span className="muted" role="status">
            {list.data.total > packages.length
              ? `showing ${packages.length} of ${list.data.total} packages`
              : `${list.data.total} package${list.data.total === 1 ? "" : "s"}`}
          </span>
        )}
      </form>
      <Fetching error={list.error} loading={list.loading} />
      {list.data && packages.length === 0 && <p className="note">No package matches “{q}”.</p>}
      {packages.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Package</th>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                {repos.map((r) => (
                  <th scope="col" key={r}>
                    In {r}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {packages.map((p) => (
                <tr key={p.name}>
                  <td>
                    <Link to={`/packages/${encodeURIComponent(p.name)}`}>{p.name}</Link>
                  </td>
                  <td>{p.evr || "–"}</td>
                  <td>
                    {p.lastBuild !== null ? (
                      <Link to={`/builds/${p.lastBuild}`} className="badge-link">
                        <StatusBadge status={p.status} />
                      </Link>
                    ) : (
                      <StatusBadge status={p.status} />
                    )}
                  </td>
                  {repos.map((r) => (
                    <td key={r}>{p.repos[r] ?? <span className="muted">–</span>}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
