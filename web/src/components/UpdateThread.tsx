// One update thread: the version, where its change lives (branch and commit, or a patch), the
// tarball, and its timeline from detection to stable, or where it stopped and why. Maintainers may
// accept a ready candidate and reject a thread that has not reached stable.
import { useId, useState } from "react";
import { Link } from "react-router";
import type { UpdateView } from "../../../src/api/watch-schemas";
import { apiPost } from "../api";
import { useAuth } from "../auth";
import { ActionButton } from "./ActionButton";
import { statusLabel } from "../format";
import { canReject, shortHash, timeline, type Reached, type TimelineStep } from "../updates";
import { Ago } from "./Ago";
import { CandidateBuilds } from "./CandidateBuilds";
import { RejectDialog } from "./RejectDialog";
import { StatusBadge } from "./StatusBadge";

/** Only web addresses become links (the URL comes from the upstream). */
const isWeb = (url: string): boolean => /^https?:\/\//i.test(url);

export function UpdateThread({ u, onChanged }: { u: UpdateView; onChanged: () => void }) {
  const auth = useAuth();
  const headingId = useId();
  const [rejecting, setRejecting] = useState(false);
  const t = timeline(u);
  // A stopped thread's stop comes right after the last step it reached, before the ones it never did.
  const stopAt = t.stop ? t.steps.findLastIndex((s) => s.reached || s.passed) + 1 : t.steps.length;
  return (
    <article className="card thread" id={`update-${u.id}`} aria-labelledby={headingId}>
      <div className="page-head">
        <h3 id={headingId}>
          <Link to={`/packages/${encodeURIComponent(u.package)}`}>{u.package}</Link> {u.version}
          <span className="evr"> from {u.fromVersion}</span>
        </h3>
        <StatusBadge status={u.state} />
        {auth.canWrite && u.state === "ready" && (
          <ActionButton
            className="button button-primary"
            onAction={async () => {
              await apiPost(`/updates/${u.id}/accept`, {});
              onChanged();
            }}
          >
            Accept {u.package} {u.version}
          </ActionButton>
        )}
        {auth.canWrite && canReject(u) && (
          <button type="button" className="button button-danger" onClick={() => setRejecting(true)}>
            Reject {u.package} {u.version}
          </button>
        )}
      </div>
      <ul className="facts-inline">
        <li>
          thread {u.id}, opened <Ago at={u.openedAt} />
        </li>
        {u.raw !== u.version && <li>upstream calls it {u.raw}</li>}
        {u.rpmVersion !== u.version && <li>Version: {u.rpmVersion}</li>}
        {u.request !== null && (
          <li>
            <Link to={`/requests/${u.request}`}>Request {u.request}</Link>
          </li>
        )}
      </ul>
      <dl className="facts">
        {u.branch && (
          <>
            <dt>Branch</dt>
            <dd>
              <code>{u.branch}</code>
              {u.commit && (
                <>
                  {" at "}
                  <code title={u.commit}>{shortHash(u.commit)}</code>
                </>
              )}
            </dd>
          </>
        )}
        {u.patch && (
          <>
            <dt>Change</dt>
            <dd>kept as a patch beside the thread (the set is not a git repository)</dd>
          </>
        )}
        {u.tarballUrl && (
          <>
            <dt>Tarball</dt>
            <dd>
              {isWeb(u.tarballUrl) ? (
                <a href={u.tarballUrl} rel="noreferrer noopener">
                  {u.tarballUrl}
                </a>
              ) : (
                <code>{u.tarballUrl}</code>
              )}
            </dd>
          </>
        )}
        {u.tarballSha256 && (
          <>
            <dt>sha256</dt>
            <dd>
              <code title={u.tarballSha256}>{shortHash(u.tarballSha256, 16)}</code>
            </dd>
          </>
        )}
      </dl>
      <ol className="timeline" aria-label={`Timeline of ${u.package} ${u.version}`}>
        {t.steps.slice(0, stopAt).map((s) => (
          <StepItem key={s.step} s={s} />
        ))}
        {t.stop && (
          <li className={`step step-stop step-${t.stop.state}`}>
            <span className="step-name">
              <StatusBadge status={t.stop.state} label={`stopped: ${statusLabel(t.stop.state)}`} />
            </span>
            <When r={t.stop} />
          </li>
        )}
        {t.steps.slice(stopAt).map((s) => (
          <StepItem key={s.step} s={s} />
        ))}
      </ol>
      <CandidateBuilds u={u} />
      {rejecting && (
        <RejectDialog
          thread={u}
          onClose={() => setRejecting(false)}
          onRejected={() => {
            setRejecting(false);
            onChanged();
          }}
        />
      )}
    </article>
  );
}

function StepItem({ s }: { s: TimelineStep }) {
  const state = s.reached ? "reached" : s.passed ? "passed" : "not reached";
  return (
    <li
      className={`step ${s.reached || s.passed ? "step-reached" : "step-pending"}${s.current ? " step-current" : ""}`}
      aria-current={s.current ? "step" : undefined}
    >
      <span className="step-name">
        {s.step}
        <span className="visually-hidden">: {s.current ? "under way" : state}</span>
      </span>
      {s.reached ? <When r={s.reached} /> : s.passed && <span className="muted step-note">passed</span>}
    </li>
  );
}

function When({ r }: { r: Reached }) {
  return (
    <>
      <span className="step-at">
        <Ago at={r.at} />
        {r.request !== null && (
          <>
            {" · "}
            <Link to={`/requests/${r.request}`}>request {r.request}</Link>
          </>
        )}
      </span>
      {r.note && <span className="step-note">{r.note}</span>}
    </>
  );
}
