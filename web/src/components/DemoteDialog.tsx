// Demote a package in a repository (back to the build it held before, or out), after confirmation.
import { useState } from "react";
import { apiPost, errorMessage } from "../api";
import type { Moved } from "../types";
import { Dialog } from "./Dialog";

export function DemoteDialog({
  repo,
  pkg,
  evr,
  onClose,
  onDemoted,
}: {
  repo: string;
  pkg: string;
  evr: string;
  onClose: () => void;
  onDemoted: (m: Moved) => void;
}) {
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const demote = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const m = await apiPost<Moved>("/demotions", {
        package: pkg,
        repo,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      onDemoted(m);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Demote ${pkg} in ${repo}?`} onClose={onClose}>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void demote();
        }}
      >
        <p>
          {repo} holds {pkg} {evr}. Demoting rolls it back to the build {repo} held before, or takes {pkg} out
          when there was none. It is recorded in the history.
        </p>
        <label className="field">
          <span>Reason</span>
          <input type="text" value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="submit" className="button button-danger" disabled={busy}>
            Demote {pkg}
          </button>
          <button type="button" className="button" onClick={onClose} autoFocus>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
