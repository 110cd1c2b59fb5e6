// A request's rebuild map: its packages in waves (what can build in parallel), coloured by status.
import { Link, useParams } from "react-router";
import type { RequestView, WavesView } from "../../../src/api/schemas";
import { apiPost } from "../api";
import { useAuth } from "../auth";
import { causeText } from "../cause";
import { ActionButton } from "../components/ActionButton";
import { Ago } from "../components/Ago";
import { ApproveButtons } from "../components/ApproveButtons";
import { ErrorMessage, Fetching } from "../components/Feedback";
import { StatusBadge } from "../components/StatusBadge";
import { WaveColumns, progressOf } from "../components/Waves";
import { WriteNote } from "../components/WriteNote";
import { statusLabel } from "../format";
import { useApi } from "../useApi";

export function RebuildMap() {
  const id = Number(useParams().id);
  const valid = Number.isInteger(id) && id > 0;
  const request = useApi<RequestView>(valid ? `/requests/${id}` : null);
  const waves = useApi<WavesView>(valid ? `/requests/${id}/waves` : null);
  const auth = useAuth();
  const r = request.data;
  const w = waves.data;
  const progress = w ? progressOf(w.waves) : undefined;
  const failed = r?.packages.filter((p) => p.status === "failed" || p.status === "blocked") ?? [];
  return (
    <>
      <title>{`Request ${id} · Kiln`}</title>
      <div className="page-head">
        <h1>Rebuild map: request {id}</h1>
        {r && <StatusBadge status={r.status} />}
      </div>
      {!valid && <ErrorMessage error="Not a request id." />}
      <Fetching error={request.error} loading={request.loading} />
      {r && (
        <>
          <p>
            {causeText(r.cause)}
            {r.cause?.kind === "commit" && r.cause.changed.length > 0 && (
              <> (changed: {r.cause.changed.join(", ")})</>
            )}{" "}
            <span className="muted">
              — by {r.createdBy}, <Ago at={r.createdAt} />
              {r.finishedAt && (
                <>
                  , finished <Ago at={r.finishedAt} />
                </>
              )}
            </span>
          </p>
          <div className="toolbar">
            {progress && (
              <span className="progress-text">
                <progress max={progress.total || 1} value={progress.done} aria-label="Rebuild progress" />{" "}
                done {progress.done} of {progress.total}
              </span>
            )}
            {auth.canWrite && r.status === "active" && (
              <ActionButton
                className="button button-danger"
                onAction={() => apiPost(`/requests/${r.id}/cancel`)}
              >
                Cancel rebuild
              </ActionButton>
            )}
            <ApproveButtons jobs={r.jobs} />
          </div>
          {r.status === "active" && <WriteNote what="cancel or approve" />}
          {failed.length > 0 && (
            <ErrorMessage>
              {failed.map((p) => (
                <span key={p.package} className="pre-line">
                  {p.package}: {statusLabel(p.status)}
                  {p.error ? ` — ${p.error}` : ""}
                </span>
              ))}
            </ErrorMessage>
          )}
        </>
      )}
      <Fetching error={waves.error} loading={waves.loading && !request.loading} />
      {w && <WaveColumns waves={w.waves} />}
      {w && w.upToDate.length > 0 && (
        <section aria-labelledby="up-to-date">
          <h2 id="up-to-date">Already up to date ({w.upToDate.length})</h2>
          <ul className="chips">
            {w.upToDate.map((n) => (
              <li key={n}>
                <Link to={`/packages/${encodeURIComponent(n)}`}>{n}</Link>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
