// The repositories: what each holds (with the older builds kept), its rules, its history, and for
// maintainers promotion into the later ones and demotion.
import { useState } from "react";
import { Link } from "react-router";
import { useAuth } from "../auth";
import { Ago } from "../components/Ago";
import { DemoteDialog } from "../components/DemoteDialog";
import { Fetching } from "../components/Feedback";
import { PromoteDialog } from "../components/PromoteDialog";
import { WriteNote } from "../components/WriteNote";
import { dateTime, duration } from "../format";
import type { HistoryEntry, Moved, RepositoryView } from "../types";
import { useApi } from "../useApi";

export function Repositories() {
  const repos = useApi<{ repositories: RepositoryView[] }>("/repositories");
  const list = repos.data?.repositories ?? [];
  return (
    <>
      <title>Repositories · Kiln</title>
      <h1>Repositories</h1>
      <p className="muted">
        Builds publish to the first repository; promotion copies tested builds into the ones after it.
      </p>
      <WriteNote what="promote or demote" />
      <Fetching error={repos.error} loading={repos.loading} />
      {list.map((r, i) => (
        <Repository key={r.name} repo={r} first={i === 0} all={list} />
      ))}
    </>
  );
}

function rules(r: RepositoryView, first: boolean): string {
  if (first) return "Builds publish here.";
  const p = r.promote;
  const parts = [
    p.from ? `promoted from ${p.from.join(" or ")}` : "promoted from any earlier repository",
    ...(p.soakSeconds ? [`after soaking ${duration(p.soakSeconds * 1000)} in it`] : []),
    ...(p.requireStages?.length ? [`once the stages ${p.requireStages.join(", ")} passed`] : []),
  ];
  return `${parts.join(", ")}.`;
}

function Repository({
  repo: r,
  first,
  all,
}: {
  repo: RepositoryView;
  first: boolean;
  all: RepositoryView[];
}) {
  const auth = useAuth();
  const [promoting, setPromoting] = useState(false);
  const [demoting, setDemoting] = useState<{ pkg: string; evr: string } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const sourceName = r.promote.from?.[0] ?? all[0]?.name;
  const source = all.find((x) => x.name === sourceName);
  const headingId = `repo-${r.name}`;

  const promoted = (moved: Moved[]): void => {
    setPromoting(false);
    setDone(
      moved.length
        ? `Promoted into ${r.name}: ${moved.map((m) => `${m.package} ${m.evr}`).join(", ")}.`
        : `Nothing moved: ${r.name} held these builds already.`,
    );
  };
  const demoted = (m: Moved): void => {
    setDemoting(null);
    setDone(
      m.build
        ? `${m.package} in ${r.name} is back to ${m.evr} (build ${m.build}).`
        : `${m.package} was taken out of ${r.name}.`,
    );
  };

  return (
    // The repository's section (heading, rules, what it holds), then its history below it.
    <div className="repo">
      <section aria-labelledby={headingId}>
        <div className="page-head">
          <h2 id={headingId}>{r.name}</h2>
          {auth.canWrite && !first && source && (
            <button type="button" className="button button-primary" onClick={() => setPromoting(true)}>
              Promote into {r.name}
            </button>
          )}
        </div>
        {r.description && <p>{r.description}</p>}
        <ul className="facts-inline">
          <li>
            <a href={`/repos/${encodeURIComponent(r.name)}.repo`}>{r.name}.repo</a> (for dnf, yum and zypper)
          </li>
          <li>{r.signed ? "signed (gpgcheck=1)" : "not signed"}</li>
          <li>snapshot {r.snapshot}</li>
          <li>
            keeps {r.keep} build{r.keep === 1 ? "" : "s"} of each package
          </li>
          <li>{rules(r, first)}</li>
        </ul>
        {done && (
          <p className="success" role="status">
            {done}
          </p>
        )}
        {r.packages.length === 0 ? (
          <p className="note">{r.name} holds no packages yet.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Package</th>
                  <th scope="col">Version</th>
                  <th scope="col">Since</th>
                  <th scope="col">Older versions kept</th>
                  {auth.canWrite && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {r.packages.map((p) => (
                  <tr key={p.package}>
                    <td>
                      <Link to={`/packages/${encodeURIComponent(p.package)}`}>{p.package}</Link>
                    </td>
                    <td>
                      <Link to={`/builds/${p.build}`}>{p.evr}</Link>
                    </td>
                    <td>
                      <Ago at={p.publishedAt} />
                    </td>
                    <td>
                      {p.kept.length === 0 ? (
                        <span className="muted">–</span>
                      ) : (
                        p.kept.map((k, i) => (
                          <span key={k.build}>
                            {i > 0 && ", "}
                            <Link to={`/builds/${k.build}`}>{k.evr}</Link>
                          </span>
                        ))
                      )}
                    </td>
                    {auth.canWrite && (
                      <td>
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => setDemoting({ pkg: p.package, evr: p.evr })}
                        >
                          Demote
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <History repo={r.name} />
      {promoting && source && (
        <PromoteDialog target={r} source={source} onClose={() => setPromoting(false)} onPromoted={promoted} />
      )}
      {demoting && (
        <DemoteDialog
          repo={r.name}
          pkg={demoting.pkg}
          evr={demoting.evr}
          onClose={() => setDemoting(null)}
          onDemoted={demoted}
        />
      )}
    </div>
  );
}

function History({ repo }: { repo: string }) {
  const history = useApi<{ entries: HistoryEntry[] }>(`/history?repo=${encodeURIComponent(repo)}&limit=50`);
  const entries = history.data?.entries ?? [];
  return (
    <>
      <Fetching error={history.error} loading={history.loading} />
      {history.data && (
        <div className="table-wrap">
          <table className="history">
            <caption>History of {repo}</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Package</th>
                <th scope="col">Version</th>
                <th scope="col">From</th>
                <th scope="col">Who</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {entries.length === 0 && (
                <tr>
                  <td colSpan={7} className="muted">
                    Nothing yet.
                  </td>
                </tr>
              )}
              {entries.map((e) => (
                <tr key={e.id}>
                  <td>
                    <time dateTime={e.at} title={dateTime(e.at)}>
                      {dateTime(e.at)}
                    </time>
                  </td>
                  <td>{e.action}</td>
                  <td>
                    <Link to={`/packages/${encodeURIComponent(e.package)}`}>{e.package}</Link>
                  </td>
                  <td>
                    {e.build !== null ? (
                      <Link to={`/builds/${e.build}`}>{e.evr ?? `build ${e.build}`}</Link>
                    ) : (
                      "–"
                    )}
                  </td>
                  <td>{e.from ?? "–"}</td>
                  <td>{e.actor}</td>
                  <td>{e.reason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
