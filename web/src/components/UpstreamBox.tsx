// A package's upstream, on its page: what its watch last found and its update threads, with the
// way to the Updates page. Nothing at all for a package that is not watched and never had a thread.
import { Link } from "react-router";
import type { UpdateView, WatchView } from "../../../src/api/watch-schemas";
import { useApi } from "../useApi";
import { Ago } from "./Ago";
import { StatusBadge } from "./StatusBadge";

export function UpstreamBox({ name }: { name: string }) {
  const watches = useApi<{ watches: WatchView[] }>("/watches");
  const updates = useApi<{ updates: UpdateView[] }>(`/updates?package=${encodeURIComponent(name)}&limit=5`);
  const w = watches.data?.watches.find((x) => x.package === name);
  const threads = updates.data?.updates ?? [];
  if (!w && threads.length === 0) return null;
  return (
    <section className="card" aria-labelledby="upstream">
      <h2 id="upstream">Upstream</h2>
      {w ? (
        <dl className="facts">
          <dt>Watches</dt>
          <dd>{w.source}</dd>
          <dt>Last look</dt>
          <dd>
            <Ago at={w.checkedAt} /> {w.outcome && <StatusBadge status={w.outcome} />}
          </dd>
          <dt>Version</dt>
          <dd>
            {w.current ?? "–"}
            {w.newest && w.newest !== w.current && <> → {w.newest}</>}
          </dd>
          {w.error && (
            <>
              <dt>Last error</dt>
              <dd className="error-text">{w.error}</dd>
            </>
          )}
        </dl>
      ) : (
        <p className="note">Not watched any more.</p>
      )}
      {threads.length > 0 && (
        <ul className="plain-list">
          {threads.map((u) => (
            <li key={u.id}>
              <Link to={`/updates#update-${u.id}`}>
                {u.package} {u.version}
              </Link>{" "}
              <StatusBadge status={u.state} />
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to="/updates">All watches and update threads</Link>
      </p>
    </section>
  );
}
