// The dashboard: what runs now, what waits and why, recent builds, agents, the rebuild in progress.
import { Link, useNavigate } from "react-router";
import type { AgentView, BuildView, JobView, RequestView, WavesView } from "../../../src/api/schemas";
import { apiPost, type ApiError } from "../api";
import { useAuth } from "../auth";
import { ActionButton } from "../components/ActionButton";
import { Ago } from "../components/Ago";
import { ApproveButtons } from "../components/ApproveButtons";
import { Fetching } from "../components/Feedback";
import { StatusBadge } from "../components/StatusBadge";
import { WaveBars, progressOf } from "../components/Waves";
import { WriteNote } from "../components/WriteNote";
import { duration } from "../format";
import { useApi } from "../useApi";
import { causeText } from "../cause";

export function Dashboard() {
  const auth = useAuth();
  const navigate = useNavigate();
  const agents = useApi<{ agents: AgentView[] }>("/agents");
  return (
    <>
      <title>Dashboard · Kiln</title>
      <div className="page-head">
        <h1>Dashboard</h1>
        {auth.canWrite && (
          <ActionButton
            className="button button-primary"
            onAction={async () => {
              const r = await apiPost<RequestView>("/requests", {});
              await navigate(`/requests/${r.id}`);
            }}
          >
            Build everything not up to date
          </ActionButton>
        )}
      </div>
      <WriteNote what="start builds" />
      <div className="dashboard">
        <RunningNow agents={agents.data?.agents} state={agents} />
        <Agents agents={agents.data?.agents} state={agents} />
        <RebuildInProgress />
        <Queue />
        <RecentBuilds />
      </div>
    </>
  );
}

function RunningNow({
  agents,
  state,
}: {
  agents: AgentView[] | undefined;
  state: { error: ApiError | undefined; loading: boolean };
}) {
  const busy = agents?.filter((a) => a.running.length > 0) ?? [];
  return (
    <section className="card" aria-labelledby="running-now">
      <h2 id="running-now">Running now</h2>
      <Fetching error={state.error} loading={state.loading} />
      {agents && agents.length === 0 && <p className="note">No agent has enrolled: nothing can build.</p>}
      {agents && agents.length > 0 && busy.length === 0 && <p className="note">Nothing is building.</p>}
      {agents && busy.length > 0 && (
        <ul className="plain-list">
          {agents.map((a) => (
            <li key={a.id}>
              <strong>{a.name}</strong>
              {a.running.length === 0 ? (
                <span className="muted"> is {a.state}</span>
              ) : (
                <>
                  <span className="muted"> builds </span>
                  {a.running.map((r, i) => (
                    <span key={r.job}>
                      {i > 0 && ", "}
                      {r.build !== null ? (
                        <Link to={`/builds/${r.build}`}>
                          {r.package} (build {r.build})
                        </Link>
                      ) : (
                        <span>
                          {r.package} (job {r.job})
                        </span>
                      )}
                    </span>
                  ))}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Queue() {
  const jobs = useApi<{ jobs: JobView[] }>("/jobs?status=active&limit=200");
  const waiting = (jobs.data?.jobs ?? []).filter((j) => j.status === "queued").sort((a, b) => a.id - b.id);
  return (
    <section className="card card-wide" aria-labelledby="queue">
      <h2 id="queue">Queue</h2>
      <Fetching error={jobs.error} loading={jobs.loading} />
      {jobs.data && waiting.length === 0 && <p className="note">Nothing is waiting.</p>}
      {waiting.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Package</th>
                <th scope="col">Stage / job</th>
                <th scope="col">Why it waits</th>
              </tr>
            </thead>
            <tbody>
              {waiting.map((j) => (
                <tr key={j.id}>
                  <td>job {j.id}</td>
                  <td>
                    <Link to={`/packages/${encodeURIComponent(j.package)}`}>{j.package}</Link>
                  </td>
                  <td>{j.stage ? `${j.stage}/${j.name}` : "command"}</td>
                  <td>
                    {j.why}
                    <ApproveButtons jobs={[j]} />
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

function RecentBuilds() {
  const builds = useApi<{ builds: BuildView[] }>("/builds?limit=12");
  return (
    <section className="card card-wide" aria-labelledby="recent-builds">
      <h2 id="recent-builds">Recent builds</h2>
      <Fetching error={builds.error} loading={builds.loading} />
      {builds.data && builds.data.builds.length === 0 && <p className="note">No builds yet.</p>}
      {builds.data && builds.data.builds.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Build</th>
                <th scope="col">Package</th>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Duration</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {builds.data.builds.map((b) => (
                <tr key={b.id}>
                  <td>
                    <Link to={`/builds/${b.id}`}>Build {b.id}</Link>
                  </td>
                  <td>
                    <Link to={`/packages/${encodeURIComponent(b.package)}`}>{b.package}</Link>
                  </td>
                  <td>{b.evr}</td>
                  <td>
                    <StatusBadge
                      status={b.sameOutputAs !== null && b.status === "green" ? "cut-off" : b.status}
                    />
                  </td>
                  <td>{b.status === "running" ? "running" : duration(b.durationMs)}</td>
                  <td>
                    <Ago at={b.startedAt ?? b.createdAt} />
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

function Agents({
  agents,
  state,
}: {
  agents: AgentView[] | undefined;
  state: { error: ApiError | undefined; loading: boolean };
}) {
  return (
    <section className="card" aria-labelledby="agents">
      <h2 id="agents">Agents</h2>
      <Fetching error={state.error} loading={state.loading} />
      {agents && agents.length === 0 && <p className="note">No agent has enrolled.</p>}
      {agents && agents.length > 0 && (
        <ul className="plain-list">
          {agents.map((a) => (
            <li key={a.id} className="agent-line">
              <strong>{a.name}</strong> <StatusBadge status={a.state} />{" "}
              <span className="muted">
                {a.running.length} of {a.slots} slot{a.slots === 1 ? "" : "s"} used
              </span>
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to="/agents">All agents</Link>
      </p>
    </section>
  );
}

function RebuildInProgress() {
  // The newest active request, else the latest of any kind (two small queries, not ten requests).
  const requests = useApi<{ requests: RequestView[] }>("/requests?status=active&limit=1");
  const last = useApi<{ requests: RequestView[] }>("/requests?limit=1");
  const active = requests.data?.requests[0];
  const latest = last.data?.requests[0];
  const waves = useApi<WavesView>(active ? `/requests/${active.id}/waves` : null);
  const progress = waves.data ? progressOf(waves.data.waves) : undefined;
  return (
    <section className="card card-wide" aria-labelledby="rebuild">
      <h2 id="rebuild">Rebuild in progress</h2>
      <Fetching error={requests.error} loading={requests.loading} />
      {requests.data && !active && (
        <p className="note">
          No rebuild in progress.
          {latest && (
            <>
              {" "}
              The latest: <Link to={`/requests/${latest.id}`}>request {latest.id}</Link> (
              {causeText(latest.cause)}, {latest.status}).
            </>
          )}
        </p>
      )}
      {active && (
        <>
          <p>
            <Link to={`/requests/${active.id}`}>Request {active.id}: rebuild map</Link>{" "}
            <span className="muted">
              — {causeText(active.cause)}, by {active.createdBy}, <Ago at={active.createdAt} />
            </span>
          </p>
          <Fetching error={waves.error} loading={waves.loading} />
          {waves.data && progress && (
            <>
              <p>
                <progress max={progress.total || 1} value={progress.done} aria-label="Rebuild progress" />{" "}
                done {progress.done} of {progress.total}
              </p>
              <WaveBars waves={waves.data.waves} />
            </>
          )}
        </>
      )}
    </section>
  );
}
