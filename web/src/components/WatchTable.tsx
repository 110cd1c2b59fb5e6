// The watched packages: what each watches, what its last look found (or its last error, in words,
// and since when), when it looks next, what it cost the upstream, and the releases it passed over.
// "Look now" (maintainers) asks the upstreams at once and says what came back.
import { useState } from "react";
import { Link } from "react-router";
import type { WatchView } from "../../../src/api/watch-schemas";
import { apiPost } from "../api";
import { useAuth } from "../auth";
import { ActionButton } from "./ActionButton";
import { Ago, Until } from "./Ago";
import { StatusBadge } from "./StatusBadge";
import { WriteNote } from "./WriteNote";

/** One line per watch of a look's answer. */
function said(w: WatchView): string {
  if (w.outcome === "error") return `${w.package}: ${w.error ?? "the look failed"}`;
  if (w.outcome === "newer") return `${w.package}: ${w.newest ?? "?"} is newer than ${w.current ?? "?"}`;
  if (w.outcome === "current") return `${w.package}: ${w.current ?? "?"} is the newest`;
  return `${w.package}: not looked at yet`;
}

export function WatchTable({ watches, onLooked }: { watches: WatchView[]; onLooked: () => void }) {
  const auth = useAuth();
  const [answer, setAnswer] = useState<WatchView[] | null>(null);
  const look = async (packages: string[]): Promise<void> => {
    setAnswer(null);
    const r = await apiPost<{ watches: WatchView[] }>("/watches/check", { packages });
    setAnswer(r.watches);
    onLooked();
  };
  return (
    <>
      {auth.canWrite ? (
        <div className="toolbar">
          <ActionButton onAction={() => look([])} disabled={watches.length === 0}>
            Look now at every watch
          </ActionButton>
        </div>
      ) : (
        <WriteNote what="look at the upstreams now" />
      )}
      {answer && (
        <div
          className={answer.every((w) => w.outcome === "error") ? "check-result refused" : "check-result"}
          role="status"
          aria-label="What the look found"
        >
          <p>Looked at {answer.length === 1 ? answer[0]!.package : `${answer.length} watches`}:</p>
          <ul>
            {answer.map((w) => (
              <li key={w.package} className={w.outcome === "error" ? "error-text" : undefined}>
                {said(w)}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="table-wrap">
        <table aria-label="Watched packages">
          <thead>
            <tr>
              <th scope="col">Package</th>
              <th scope="col">Source</th>
              <th scope="col">Outcome</th>
              <th scope="col">Version</th>
              <th scope="col">What it saw</th>
              <th scope="col">Looked</th>
              <th scope="col">Skipped</th>
              {auth.canWrite && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {watches.map((w) => (
              <WatchRow key={w.package} w={w} canWrite={auth.canWrite} look={look} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function WatchRow({
  w,
  canWrite,
  look,
}: {
  w: WatchView;
  canWrite: boolean;
  look: (packages: string[]) => Promise<void>;
}) {
  return (
    <tr>
      <td>
        <Link to={`/packages/${encodeURIComponent(w.package)}`}>
          <strong>{w.package}</strong>
        </Link>
      </td>
      <td>{w.source}</td>
      <td>
        {w.outcome ? <StatusBadge status={w.outcome} /> : <span className="muted">not looked yet</span>}
      </td>
      <td>
        {w.current ?? "–"}
        {w.newest && w.newest !== w.current && (
          <>
            {" → "}
            <strong title={w.newestRaw && w.newestRaw !== w.newest ? `upstream: ${w.newestRaw}` : undefined}>
              {w.newest}
            </strong>
          </>
        )}
      </td>
      <td className="wrap">
        {w.error ? (
          <>
            <span className="error-text">{w.error}</span>
            <span className="muted block">
              failing since <Ago at={w.errorSince} />, {w.failures}{" "}
              {w.failures === 1 ? "failure" : "failures"} in a row
            </span>
          </>
        ) : (
          (w.note ?? <span className="muted">nothing yet</span>)
        )}
        {w.requests !== null && (
          <span className="muted block">
            {w.requests} {w.requests === 1 ? "request" : "requests"} sent, {w.fromCache ?? 0} not modified
          </span>
        )}
      </td>
      <td>
        <Ago at={w.checkedAt} />
        <span className="muted block">
          next <Until at={w.nextAt} />
        </span>
      </td>
      <td>
        {w.skipped.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <details>
            <summary>
              {w.skipped.length} skipped{w.releases !== null && ` of ${w.releases}`}
            </summary>
            <ul className="plain-list">
              {w.skipped.map((s, i) => (
                <li key={`${s.raw}-${i}`}>
                  <code>{s.raw}</code>: {s.why}
                </li>
              ))}
            </ul>
          </details>
        )}
      </td>
      {canWrite && (
        <td>
          <ActionButton onAction={() => look([w.package])}>
            Look now<span className="visually-hidden"> at {w.package}</span>
          </ActionButton>
        </td>
      )}
    </tr>
  );
}
