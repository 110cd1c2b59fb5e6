// Promote builds from the source repository into a later one: tick packages, check (a dry run that
// says what would move, or why not and what would fix it), then promote for real.
import { useState } from "react";
import { ApiError, apiPost, errorMessage } from "../api";
import type { Moved, PromotionResult, Refusal, RepositoryView } from "../types";
import { Dialog } from "./Dialog";

type Check =
  { kind: "ok"; moved: Moved[] } | { kind: "refused"; refusal: Refusal } | { kind: "error"; message: string };

const keyOf = (s: ReadonlySet<string>): string => [...s].sort().join(" ");

/** A refusal's details from an error body (a promotion refused for real is a 409). */
function asRefusal(body: Partial<Refusal> & { error?: string }): Refusal {
  return {
    headline: body.headline ?? body.error ?? "promotion refused",
    reasons: body.reasons ?? [],
    missing: body.missing ?? [],
    suggest: body.suggest ?? [],
    ...(body.hint ? { hint: body.hint } : {}),
  };
}

export function PromoteDialog({
  target,
  source,
  onClose,
  onPromoted,
}: {
  target: RepositoryView;
  source: RepositoryView;
  onClose: () => void;
  onPromoted: (moved: Moved[]) => void;
}) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [reason, setReason] = useState("");
  const [check, setCheck] = useState<{ key: string; result: Check } | null>(null);
  const [busy, setBusy] = useState(false);
  const [promoteError, setPromoteError] = useState<string | null>(null);
  const evrOf = new Map(source.packages.map((p) => [p.package, p.evr]));
  const targetEvr = new Map(target.packages.map((p) => [p.build, p.evr]));

  const body = (names: ReadonlySet<string>, dryRun: boolean): unknown => ({
    packages: [...names].sort().map((n) => (evrOf.get(n) ? `${n}@${evrOf.get(n)}` : n)),
    to: target.name,
    from: source.name,
    ...(reason.trim() ? { reason: reason.trim() } : {}),
    dryRun,
  });

  const runCheck = async (names: ReadonlySet<string>): Promise<void> => {
    if (names.size === 0) return;
    setBusy(true);
    setPromoteError(null);
    const key = keyOf(names);
    try {
      // A dry run answers 200: what would move, or the refusal.
      const r = await apiPost<PromotionResult>("/promotions", body(names, true));
      if (r.refusal) setCheck({ key, result: { kind: "refused", refusal: r.refusal } });
      else setCheck({ key, result: { kind: "ok", moved: r.moved } });
    } catch (e) {
      if (e instanceof ApiError && e.code === "PROMOTION_REFUSED") {
        setCheck({ key, result: { kind: "refused", refusal: asRefusal(e.body as Partial<Refusal>) } });
      } else {
        setCheck({ key, result: { kind: "error", message: errorMessage(e) } });
      }
    } finally {
      setBusy(false);
    }
  };

  const promote = async (): Promise<void> => {
    setBusy(true);
    setPromoteError(null);
    try {
      const r = await apiPost<PromotionResult>("/promotions", body(selected, false));
      onPromoted(r.moved);
    } catch (e) {
      setPromoteError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const toggle = (name: string, on: boolean): void => {
    const next = new Set(selected);
    if (on) next.add(name);
    else next.delete(name);
    setSelected(next);
  };

  const current = check && check.key === keyOf(selected) ? check.result : null;
  const canPromote = current?.kind === "ok" && current.moved.length > 0 && !busy;

  return (
    <Dialog title={`Promote into ${target.name}`} onClose={onClose} wide>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void runCheck(selected);
        }}
      >
        <fieldset className="checklist">
          <legend>
            Builds of {source.name} to copy into {target.name}
          </legend>
          {source.packages.length === 0 && <p className="note">{source.name} holds no packages.</p>}
          {source.packages.map((p) => (
            <label key={p.package} className="check">
              <input
                type="checkbox"
                checked={selected.has(p.package)}
                onChange={(e) => toggle(p.package, e.target.checked)}
              />
              <span>
                {p.package} <span className="muted">{p.evr}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>Reason</span>
          <input
            type="text"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder="why (kept in the history)"
          />
        </label>
        <div className="buttons">
          <button type="submit" className="button" disabled={busy || selected.size === 0}>
            Check promotion
          </button>
          <button
            type="button"
            className="button button-primary"
            disabled={!canPromote}
            onClick={() => void promote()}
          >
            Promote
          </button>
          <button type="button" className="button button-quiet" onClick={onClose}>
            Cancel
          </button>
          {busy && (
            <span className="muted" role="status">
              working…
            </span>
          )}
        </div>
        {selected.size > 0 && check && !current && !busy && (
          <p className="note">The selection changed: check it again before promoting.</p>
        )}
        {current?.kind === "ok" && (
          <div className="check-result" role="status">
            <p>
              <strong>Will move:</strong>
            </p>
            {current.moved.length === 0 ? (
              <p className="note">Nothing: {target.name} holds these builds already.</p>
            ) : (
              <ul>
                {current.moved.map((m) => (
                  <li key={m.package}>
                    {m.package} {m.evr} (build {m.build}),{" "}
                    {m.previous === null
                      ? `new in ${target.name}`
                      : `replacing ${targetEvr.get(m.previous) ?? ""} (build ${m.previous})`}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {current?.kind === "refused" && (
          <div className="check-result refused" role="alert">
            <p>
              <strong>{current.refusal.headline}</strong>
            </p>
            <ul>
              {current.refusal.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
            {current.refusal.hint && <p>{current.refusal.hint}</p>}
            {current.refusal.suggest.length > 0 && (
              <button
                type="button"
                className="button"
                disabled={busy}
                onClick={() => {
                  const next = new Set([...selected, ...current.refusal.suggest.filter((s) => evrOf.has(s))]);
                  setSelected(next);
                  void runCheck(next);
                }}
              >
                Add what it needs
              </button>
            )}
          </div>
        )}
        {current?.kind === "error" && (
          <p className="error" role="alert">
            {current.message}
          </p>
        )}
        {promoteError && (
          <p className="error" role="alert">
            {promoteError}
          </p>
        )}
      </form>
    </Dialog>
  );
}
