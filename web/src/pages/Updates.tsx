// Upstream releases: every watched package and what its last look found, then the update threads
// (open ones first, then the recently ended), each as a timeline from detection to stable.
import { useEffect, useRef } from "react";
import { useLocation } from "react-router";
import type { UpdateView, WatchView } from "../../../src/api/watch-schemas";
import { Fetching } from "../components/Feedback";
import { UpdateThread } from "../components/UpdateThread";
import { WatchTable } from "../components/WatchTable";
import { orderThreads } from "../updates";
import { useApi } from "../useApi";

/**
 * Looks and threads move on the server's own timers, which the event stream does not announce
 * (it speaks of jobs): while a thread is open, the page asks again this often.
 */
const OPEN_THREAD_REFRESH_MS = 5000;

export function Updates() {
  const watches = useApi<{ watches: WatchView[] }>("/watches");
  const updates = useApi<{ updates: UpdateView[] }>("/updates?limit=200");
  const threads = orderThreads(updates.data?.updates ?? []);
  const anyOpen = threads.some((u) => u.open);
  const { reload: reloadUpdates } = updates;
  const { reload: reloadWatches } = watches;
  useEffect(() => {
    if (!anyOpen) return;
    const t = setInterval(() => {
      reloadUpdates();
      reloadWatches();
    }, OPEN_THREAD_REFRESH_MS);
    return () => clearInterval(t);
  }, [anyOpen, reloadUpdates, reloadWatches]);

  // A link to one thread (/updates#update-ID, from a package's page): shown once it has loaded.
  const { hash } = useLocation();
  const scrolled = useRef("");
  useEffect(() => {
    if (!hash.startsWith("#update-") || scrolled.current === hash || !updates.data) return;
    scrolled.current = hash;
    document.getElementById(hash.slice(1))?.scrollIntoView({ block: "start" });
  }, [hash, updates.data]);

  const openCount = threads.filter((u) => u.open).length;
  return (
    <>
      <title>Updates · Kiln</title>
      <h1>Upstream updates</h1>
      <section aria-labelledby="watches">
        <h2 id="watches">Watches</h2>
        <Fetching error={watches.error} loading={watches.loading} />
        {watches.data &&
          (watches.data.watches.length === 0 ? (
            <p className="note">
              No package is watched. A package is watched when its kiln.yaml has <code>watch:</code>.
            </p>
          ) : (
            <WatchTable
              watches={watches.data.watches}
              onLooked={() => {
                reloadWatches();
                reloadUpdates();
              }}
            />
          ))}
      </section>
      <section aria-labelledby="threads">
        <h2 id="threads">Update threads</h2>
        <Fetching error={updates.error} loading={updates.loading} />
        {updates.data &&
          (threads.length === 0 ? (
            <p className="note">No update thread yet: one opens when a look finds a newer version.</p>
          ) : (
            <>
              <p className="note">
                {openCount} open, {threads.length - openCount} recently ended.
              </p>
              <div className="stack">
                {threads.map((u) => (
                  <UpdateThread key={u.id} u={u} onChanged={reloadUpdates} />
                ))}
              </div>
            </>
          ))}
      </section>
    </>
  );
}
