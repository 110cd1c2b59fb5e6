// The agents: state, labels, slots in use, what each runs, when it was last heard from.
import { Link } from "react-router";
import { apiDelete, apiPost } from "../api";
import { useAuth } from "../auth";
import { ActionButton } from "../components/ActionButton";
import type { AgentView } from "../../../src/api/schemas";
import { Ago } from "../components/Ago";
import { Fetching } from "../components/Feedback";
import { StatusBadge } from "../components/StatusBadge";
import { useApi } from "../useApi";

export function Agents() {
  const agents = useApi<{ agents: AgentView[] }>("/agents");
  const list = agents.data?.agents ?? [];
  const admin = useAuth().role === "admin";
  const act = async (p: Promise<unknown>): Promise<void> => {
    await p;
    agents.reload();
  };
  return (
    <>
      <title>Agents · Kiln</title>
      <h1>Agents</h1>
      <Fetching error={agents.error} loading={agents.loading} />
      {agents.data && list.length === 0 && (
        <p className="note">No agent has enrolled (kiln agent --server URL --enrol-token TOKEN).</p>
      )}
      {list.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">State</th>
                <th scope="col">Labels</th>
                <th scope="col">Slots used</th>
                <th scope="col">Running</th>
                <th scope="col">Last heartbeat</th>
                {admin && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.map((a) => (
                <tr key={a.id}>
                  <td>
                    <strong>{a.name}</strong>
                  </td>
                  <td>
                    <StatusBadge status={a.state} />
                  </td>
                  <td>
                    <ul className="chips">
                      {Object.entries(a.labels).map(([k, v]) => (
                        <li key={k}>
                          <code>
                            {k}={v}
                          </code>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    {a.running.length} / {a.slots}
                  </td>
                  <td>
                    {a.running.length === 0 ? (
                      <span className="muted">nothing</span>
                    ) : (
                      <ul className="plain-list">
                        {a.running.map((r) => (
                          <li key={r.job}>
                            {r.build !== null ? (
                              <Link to={`/builds/${r.build}`}>
                                {r.package} (build {r.build}, job {r.job})
                              </Link>
                            ) : (
                              `${r.package} (job ${r.job})`
                            )}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>
                    <Ago at={a.lastSeenAt} />
                  </td>
                  {admin && (
                    <td>
                      <div className="row-actions">
                        {a.state === "disabled" ? (
                          <ActionButton
                            onAction={() => act(apiPost(`/agents/${encodeURIComponent(a.name)}/enable`))}
                          >
                            Enable {a.name}
                          </ActionButton>
                        ) : (
                          <ActionButton
                            onAction={() => act(apiPost(`/agents/${encodeURIComponent(a.name)}/disable`))}
                          >
                            Disable {a.name}
                          </ActionButton>
                        )}
                        <ActionButton
                          className="button button-danger"
                          onAction={() => act(apiDelete(`/agents/${encodeURIComponent(a.name)}`))}
                        >
                          Delete {a.name}
                        </ActionButton>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
