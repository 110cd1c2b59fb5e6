// Reject an update thread's version, with an optional reason, after confirmation: the thread ends
// and the version is never proposed again.
import { useState } from "react";
import type { UpdateView } from "../../../src/api/watch-schemas";
import { apiPost, errorMessage } from "../api";
import { Dialog } from "./Dialog";

export function RejectDialog({
  thread,
  onClose,
  onRejected,
}: {
  thread: UpdateView;
  onClose: () => void;
  onRejected: (u: UpdateView) => void;
}) {
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const what = `${thread.package} ${thread.version}`;
  const reject = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const u = await apiPost<UpdateView>(`/updates/${thread.id}/reject`, {
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      onRejected(u);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Reject ${what}?`} onClose={onClose}>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void reject();
        }}
      >
        <p>
          The thread ends rejected and Kiln will not propose {what} again. It is recorded on the thread's
          timeline.
        </p>
        <label className="field">
          <span>Reason</span>
          <input type="text" value={reason} maxLength={2000} onChange={(e) => setReason(e.target.value)} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="submit" className="button button-danger" disabled={busy}>
            Reject {what}
          </button>
          <button type="button" className="button" onClick={onClose} autoFocus>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
