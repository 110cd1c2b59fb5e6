// One build: why it started, its steps, its pipeline's jobs, its artifacts and its log, live.
import { Link, useParams, useSearchParams } from "react-router";
import type { BuildView, JobView, RequestView } from "../../../src/api/schemas";
import { API, apiPost } from "../api";
import { useAuth } from "../auth";
import { causeText } from "../cause";
import { ActionButton } from "../components/ActionButton";
import { Ago } from "../components/Ago";
import { ApproveButtons } from "../components/ApproveButtons";
import { ErrorMessage, Fetching } from "../components/Feedback";
import { LogView } from "../components/LogView";
import { RebuildButtons } from "../components/RebuildButtons";
import { StatusBadge } from "../components/StatusBadge";
import { duration, size } from "../format";
import { useApi } from "../useApi";

export function Build() {
  const id = Number(useParams().id);
  const build = useApi<BuildView>(Number.isInteger(id) && id > 0 ? `/builds/${id}` : null);
  const b = build.data;
  return (
    <>
      <title>{b ? `Build ${b.id}: ${b.package} · Kiln` : `Build ${id} · Kiln`}</title>
      {!(Number.isInteger(id) && id > 0) && <ErrorMessage error="Not a build id." />}
      <Fetching error={build.error} loading={build.loading} />
      {b && <BuildBody key={b.id} b={b} />}
    </>
  );
}

function BuildBody({ b }: { b: BuildView }) {
  const auth = useAuth();
  const [params] = useSearchParams();
  const request = useApi<RequestView>(b.trigger?.request ? `/requests/${b.trigger.request}` : null);
  // The jobs of this package's run in the request (they share this build).
  const jobs = (request.data?.jobs ?? []).filter(
    (j) => j.package === b.package && (j.build === b.id || j.build === null),
  );
  const jobId = Number(params.get("job"));
  const shownJob = jobs.find((j) => j.id === jobId);
  const cutOff = b.status === "green" && b.sameOutputAs !== null;
  return (
    <>
      <div className="page-head">
        <h1>
          Build {b.id}: {b.package} <span className="evr">{b.evr}</span>
        </h1>
        <StatusBadge status={cutOff ? "cut-off" : b.status} />
      </div>
      {cutOff && (
        <p className="cutoff-note">
          cut off: same output as <Link to={`/builds/${b.sameOutputAs}`}>build {b.sameOutputAs}</Link> — not
          published again.
        </p>
      )}
      {b.error && <ErrorMessage error={b.error} />}
      <div className="toolbar">
        <Link className="button" to={`/packages/${encodeURIComponent(b.package)}`}>
          Package {b.package}
        </Link>
        {b.trigger?.request && (
          <Link className="button" to={`/requests/${b.trigger.request}`}>
            Rebuild map of request {b.trigger.request}
          </Link>
        )}
        <RebuildButtons packages={[b.package]} downstream={false} />
        {auth.canWrite && b.status === "running" && (
          <ActionButton className="button button-danger" onAction={() => apiPost(`/builds/${b.id}/cancel`)}>
            Cancel build
          </ActionButton>
        )}
        <ApproveButtons jobs={jobs} />
      </div>

      <div className="columns">
        <section className="card" aria-labelledby="why">
          <h2 id="why">Why it started</h2>
          <dl className="facts">
            <dt>Reason</dt>
            <dd>{b.reason}</dd>
            {b.trigger && (
              <>
                <dt>Cause</dt>
                <dd>
                  {causeText(b.trigger.cause)}
                  {b.trigger.request && (
                    <>
                      {" "}
                      (<Link to={`/requests/${b.trigger.request}`}>request {b.trigger.request}</Link>)
                    </>
                  )}
                </dd>
                {b.trigger.cause?.kind === "commit" && b.trigger.cause.changed.length > 0 && (
                  <>
                    <dt>Changed</dt>
                    <dd>{b.trigger.cause.changed.join(", ")}</dd>
                  </>
                )}
                <dt>Upstream</dt>
                <dd>
                  {b.trigger.upstream.length === 0
                    ? "no new upstream builds"
                    : b.trigger.upstream.map((u, i) => (
                        <span key={u.build}>
                          {i > 0 && ", "}
                          <Link to={`/builds/${u.build}`}>
                            {u.package} (build {u.build})
                          </Link>
                        </span>
                      ))}
                </dd>
              </>
            )}
          </dl>
        </section>
        <section className="card" aria-labelledby="where">
          <h2 id="where">Where and when</h2>
          <dl className="facts">
            <dt>Agent</dt>
            <dd>{b.agent ?? "–"}</dd>
            <dt>Sandbox</dt>
            <dd className={b.sandbox && b.sandbox !== "bubblewrap" ? "unsandboxed" : undefined}>
              {b.sandbox === null ? "–" : b.sandbox === "bubblewrap" ? "bubblewrap" : b.sandbox}
            </dd>
            <dt>Started</dt>
            <dd>
              <Ago at={b.startedAt ?? b.createdAt} />
            </dd>
            <dt>Duration</dt>
            <dd>{b.status === "running" ? "running" : duration(b.durationMs)}</dd>
            {b.finishedAt && (
              <>
                <dt>Finished</dt>
                <dd>
                  <Ago at={b.finishedAt} />
                </dd>
              </>
            )}
          </dl>
        </section>
        <Steps b={b} />
      </div>

      {jobs.length > 1 && <Jobs b={b} jobs={jobs} shown={shownJob?.id} />}
      <Artifacts b={b} />

      <section>
        <h2>{shownJob ? `Log of job ${shownJob.id} (${shownJob.stage}/${shownJob.name})` : "Log"}</h2>
        {shownJob && (
          <p>
            <Link to={`/builds/${b.id}`}>Back to the build log</Link>
          </p>
        )}
        {jobId > 0 && !shownJob && request.data && (
          <ErrorMessage error={`Job ${jobId} is not a job of this build.`} />
        )}
        {shownJob && !shownJob.log ? (
          <p className="note">Job {shownJob.id} has not started: no log yet.</p>
        ) : (
          <LogView
            key={shownJob?.log ?? "build"}
            src={shownJob?.log ?? `${API}/builds/${b.id}/log`}
            label={shownJob ? `Log of job ${shownJob.id}` : "Build log"}
          />
        )}
      </section>
    </>
  );
}

function Steps({ b }: { b: BuildView }) {
  return (
    <section className="card" aria-labelledby="steps">
      <h2 id="steps">Steps</h2>
      {b.steps.length === 0 ? (
        <p className="note">
          {b.status === "running" ? "Steps are reported when the build ends." : "No steps."}
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Duration
              </th>
            </tr>
          </thead>
          <tbody>
            {b.steps.map((s, i) => (
              <tr key={`${i}-${s.name}`}>
                <td>{s.name}</td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td className="num">{duration(s.ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Jobs({ b, jobs, shown }: { b: BuildView; jobs: JobView[]; shown: number | undefined }) {
  return (
    <section aria-labelledby="jobs">
      <h2 id="jobs">Pipeline jobs</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Stage / job</th>
              <th scope="col">Status</th>
              <th scope="col">Agent</th>
              <th scope="col">Log</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.id} aria-current={j.id === shown ? "true" : undefined}>
                <td>job {j.id}</td>
                <td>
                  {j.stage}/{j.name}
                  {j.approval && (
                    <span className="muted">
                      {" "}
                      (approval{j.approvedBy ? ` given by ${j.approvedBy}` : " needed"})
                    </span>
                  )}
                </td>
                <td>
                  <StatusBadge status={j.status} />
                </td>
                <td>{j.runsOn === "server" ? "server" : (j.agent ?? "–")}</td>
                <td>
                  {j.log ? (
                    <Link to={`/builds/${b.id}?job=${j.id}`}>log of job {j.id}</Link>
                  ) : (
                    <span className="muted">no log yet</span>
                  )}
                </td>
                <td>{j.why}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Artifacts({ b }: { b: BuildView }) {
  return (
    <section aria-labelledby="artifacts">
      <h2 id="artifacts">Artifacts</h2>
      {b.artifacts.length === 0 ? (
        <p className="note">{b.status === "running" ? "None yet." : "None."}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Kind</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">sha256</th>
              </tr>
            </thead>
            <tbody>
              {b.artifacts.map((a) => (
                <tr key={a.filename}>
                  <td>
                    <a href={a.url} download={a.filename}>
                      {a.filename}
                    </a>
                  </td>
                  <td>{a.kind}</td>
                  <td className="num">{size(a.size)}</td>
                  <td>
                    <code className="hash">{a.sha256}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
