// One package: its versions in each repository, its builds, what it needs and what needs it, and its
// upstream when it is watched.
import { useState } from "react";
import { Link, useParams } from "react-router";
import type { PackageDetail } from "../../../src/api/schemas";
import { Ago } from "../components/Ago";
import { ErrorMessage, Fetching } from "../components/Feedback";
import { DownstreamSelect, PlanWaves, type Downstream } from "../components/Plan";
import { RebuildButtons } from "../components/RebuildButtons";
import { StatusBadge } from "../components/StatusBadge";
import { UpstreamBox } from "../components/UpstreamBox";
import { duration } from "../format";
import { useApi } from "../useApi";

export function Package() {
  const name = useParams().name ?? "";
  const pkg = useApi<PackageDetail>(`/packages/${encodeURIComponent(name)}`);
  const p = pkg.data;
  return (
    <>
      <title>{`${name} · Kiln`}</title>
      <div className="page-head">
        <h1>
          {name} {p && <span className="evr">{p.evr}</span>}
        </h1>
        {p?.builds[0] && <StatusBadge status={p.builds[0].status} />}
      </div>
      <Fetching error={pkg.error} loading={pkg.loading} />
      {p && <PackageBody key={p.name} p={p} />}
    </>
  );
}

function PackageBody({ p }: { p: PackageDetail }) {
  const [planning, setPlanning] = useState(false);
  const [downstream, setDownstream] = useState<Downstream>("modes");
  const repos = Object.entries(p.repos);
  return (
    <>
      <p className="muted">
        {p.specFile}
        {p.binaries.length > 0 && <> · builds {p.binaries.join(", ")}</>}
      </p>
      <div className="toolbar">
        <Link className="button" to={`/graph/${encodeURIComponent(p.name)}`}>
          Dependency graph
        </Link>
        <button
          type="button"
          className="button"
          aria-expanded={planning}
          aria-controls="plan"
          onClick={() => setPlanning((v) => !v)}
        >
          Plan a change
        </button>
        <RebuildButtons packages={[p.name]} />
      </div>
      {p.errors.length > 0 && (
        <ErrorMessage>
          <strong>This package cannot build:</strong>
          {p.errors.map((e) => (
            <span key={e} className="pre-line">
              {e}
            </span>
          ))}
        </ErrorMessage>
      )}
      {planning && (
        <section id="plan" className="card" aria-labelledby="plan-heading">
          <h2 id="plan-heading">Plan a change to {p.name}</h2>
          <DownstreamSelect value={downstream} onChange={setDownstream} />
          <PlanWaves packages={[p.name]} downstream={downstream} mapLink />
        </section>
      )}
      <div className="columns">
        <section className="card" aria-labelledby="repos">
          <h2 id="repos">In the repositories</h2>
          {repos.length === 0 ? (
            <p className="note">Not in any repository yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Repository</th>
                  <th scope="col">Version</th>
                </tr>
              </thead>
              <tbody>
                {repos.map(([repo, evr]) => (
                  <tr key={repo}>
                    <td>
                      <Link to={`/repositories#repo-${repo}`}>{repo}</Link>
                    </td>
                    <td>{evr}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="card" aria-labelledby="needs">
          <h2 id="needs">Build-requires</h2>
          <PackageLinks names={p.needs} none="Nothing of the set." />
          {p.fromHost.length > 0 && <p className="muted">From the build host: {p.fromHost.join(", ")}</p>}
        </section>
        <section className="card" aria-labelledby="needed-by">
          <h2 id="needed-by">Required by</h2>
          <PackageLinks names={p.neededBy} none="Nothing of the set build-requires it." />
        </section>
        <UpstreamBox name={p.name} />
      </div>
      <section aria-labelledby="builds">
        <h2 id="builds">Builds</h2>
        {p.builds.length === 0 ? (
          <p className="note">Never built.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Build</th>
                  <th scope="col">Version</th>
                  <th scope="col">Status</th>
                  <th scope="col">Why</th>
                  <th scope="col">Duration</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {p.builds.map((b) => (
                  <tr key={b.id}>
                    <td>
                      <Link to={`/builds/${b.id}`}>Build {b.id}</Link>
                    </td>
                    <td>{b.evr}</td>
                    <td>
                      <StatusBadge status={b.status} />
                    </td>
                    <td>{b.reason}</td>
                    <td>{duration(b.durationMs)}</td>
                    <td>
                      <Ago at={b.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function PackageLinks({ names, none }: { names: string[]; none: string }) {
  if (names.length === 0) return <p className="note">{none}</p>;
  return (
    <ul className="chips">
      {names.map((n) => (
        <li key={n}>
          <Link to={`/packages/${encodeURIComponent(n)}`}>{n}</Link>
        </li>
      ))}
    </ul>
  );
}
