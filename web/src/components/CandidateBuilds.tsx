// A thread's candidate, package by package: what its build did (built, cut off, up to date,
// failed, blocked), how long each took, each build's log, what was taken from the farm, and the
// install test's log. Fetched again whenever the thread moves on.
import { useEffect, useId } from "react";
import type { CandidateView, UpdateView } from "../../../src/api/watch-schemas";
import { API } from "../api";
import { duration } from "../format";
import { useApi } from "../useApi";
import { StatusBadge } from "./StatusBadge";

export function CandidateBuilds({ u }: { u: UpdateView }) {
  const headingId = useId();
  const c = useApi<CandidateView>(`/updates/${u.id}/candidate`);
  const { reload } = c;
  // The thread's own updates say when its candidate has moved on.
  useEffect(() => reload(), [u.updatedAt, reload]);
  if (!c.data || (c.data.builds.length === 0 && !c.data.installLog)) return null;
  const { builds, taken, installLog } = c.data;
  const built = builds.filter((b) => b.state !== "up-to-date");
  const upToDate = builds.length - built.length;
  return (
    <section className="candidate" aria-labelledby={headingId}>
      <h4 id={headingId}>Candidate</h4>
      <p className="muted">
        {built.length} package(s) built in the candidate
        {upToDate > 0 && `, ${upToDate} up to date`}
        {taken.length > 0 && `; ${taken.length} taken from the farm's repository`}
        {installLog && (
          <>
            {" · "}
            <a href={`${API}/updates/${u.id}/install-log`} target="_blank" rel="noreferrer">
              install test log
            </a>
          </>
        )}
      </p>
      {built.length > 0 && (
        <div className="table-wrap">
          <table aria-label={`Candidate builds of ${u.package} ${u.version}`}>
            <thead>
              <tr>
                <th scope="col">Package</th>
                <th scope="col">Outcome</th>
                <th scope="col">Time</th>
                <th scope="col">Why</th>
                <th scope="col">Log</th>
              </tr>
            </thead>
            <tbody>
              {built.map((b) => (
                <tr key={b.package}>
                  <th scope="row">{b.package}</th>
                  <td>
                    <StatusBadge status={b.state} />
                  </td>
                  <td>{b.ms === null ? "–" : duration(b.ms)}</td>
                  <td className="wrap">{b.note ?? ""}</td>
                  <td>
                    {b.log && b.build !== null ? (
                      <a
                        href={`${API}/updates/${u.id}/candidate/builds/${b.build}/log`}
                        target="_blank"
                        rel="noreferrer"
                      >
                        {`log of ${b.package}`}
                      </a>
                    ) : (
                      "–"
                    )}
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
