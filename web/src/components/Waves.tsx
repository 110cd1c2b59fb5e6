// A rebuild's packages in waves (each wave can build in parallel once the waves before it are done),
// as columns of boxes coloured by status, or compact progress bars.
import { Link } from "react-router";
import { isDone, statusLabel, toneOf, type Tone } from "../format";

export interface WavePackage {
  package: string;
  /** A job status, or "planned" for a plan that has not run. */
  status: string;
  build: number | null;
}

/** A package whose publish job still waits but whose build has begun is building (its earlier stages run). */
function shown(p: WavePackage): string {
  return p.status === "queued" && p.build !== null ? "running" : p.status;
}

function doneCount(wave: readonly WavePackage[]): number {
  return wave.filter((p) => p.status !== "planned" && isDone(p.status)).length;
}

export function progressOf(waves: readonly (readonly WavePackage[])[]): { done: number; total: number } {
  const all = waves.flat();
  return { done: doneCount(all), total: all.length };
}

/** Each wave a column of packages, each package a box linking to its build (or its page). */
export function WaveColumns({ waves }: { waves: readonly (readonly WavePackage[])[] }) {
  if (waves.length === 0) return <p className="note">No packages to build.</p>;
  return (
    <div className="waves">
      {waves.map((wave, i) => {
        const planned = wave.every((p) => p.status === "planned");
        return (
          <section className="wave" key={i} aria-labelledby={`wave-${i + 1}`}>
            <h3 id={`wave-${i + 1}`}>Wave {i + 1}</h3>
            <p className="wave-progress">
              {planned
                ? `${wave.length} package${wave.length === 1 ? "" : "s"}`
                : `done ${doneCount(wave)} of ${wave.length}`}
            </p>
            <ul className="wave-list">
              {wave.map((p) => (
                <li key={p.package}>
                  <Link
                    className={`pkg-box tone-${p.status === "planned" ? "neutral" : toneOf(shown(p))}`}
                    to={
                      p.build !== null ? `/builds/${p.build}` : `/packages/${encodeURIComponent(p.package)}`
                    }
                  >
                    <span className="pkg-box-name">{p.package}</span>
                    <span className="pkg-box-status">
                      {p.status === "planned" ? "to build" : statusLabel(shown(p))}
                      {p.build !== null && ` · build ${p.build}`}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

const TONE_ORDER: Tone[] = ["ok", "cutoff", "failed", "running", "queued", "neutral"];

/** Each wave as one line: how many are done, and a bar of its packages' states. */
export function WaveBars({ waves }: { waves: readonly (readonly WavePackage[])[] }) {
  return (
    <ol className="wave-bars">
      {waves.map((wave, i) => {
        const byStatus = new Map<string, number>();
        for (const p of wave) byStatus.set(shown(p), (byStatus.get(shown(p)) ?? 0) + 1);
        const byTone = new Map<Tone, number>();
        for (const p of wave) byTone.set(toneOf(shown(p)), (byTone.get(toneOf(shown(p))) ?? 0) + 1);
        const words = [...byStatus].map(([s, n]) => `${n} ${statusLabel(s)}`).join(", ");
        return (
          <li key={i} className="wave-bar-row">
            <span className="wave-bar-label">Wave {i + 1}</span>
            <span className="wave-bar" aria-hidden="true">
              {TONE_ORDER.filter((t) => byTone.get(t)).map((t) => (
                <span key={t} className={`wave-bar-part tone-${t}`} style={{ flexGrow: byTone.get(t) }} />
              ))}
            </span>
            <span className="wave-bar-text">
              done {doneCount(wave)} of {wave.length}
              <span className="muted"> ({words})</span>
            </span>
          </li>
        );
      })}
    </ol>
  );
}
