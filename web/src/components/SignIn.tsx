// Sign in with an API token (kept in localStorage), or sign out.
import { useState, type FormEvent } from "react";
import { errorMessage, setToken, useToken, whoami } from "../api";
import { useAuth } from "../auth";
import { Dialog } from "./Dialog";

export function SignIn() {
  const auth = useAuth();
  const token = useToken();
  const [open, setOpen] = useState(false);
  if (token && auth.known && auth.role) {
    return (
      <div className="signin">
        <span className="who">
          Signed in as {auth.name} ({auth.role})
        </span>
        <button type="button" className="button button-quiet" onClick={() => setToken(null)}>
          Sign out
        </button>
      </div>
    );
  }
  return (
    <div className="signin">
      {token && auth.known && <span className="who">Saved token not recognised</span>}
      <button type="button" className="button button-quiet" onClick={() => setOpen(true)}>
        Sign in
      </button>
      {open && <SignInDialog onClose={() => setOpen(false)} />}
    </div>
  );
}

function SignInDialog({ onClose }: { onClose: () => void }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const t = value.trim();
    if (!t) {
      setError("Paste an API token (kiln token create, or .kiln/admin.token).");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const who = await whoami(t);
      if (!who.role) {
        setError("The server does not know this token.");
        return;
      }
      setToken(t);
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="Sign in" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <label className="field">
          <span>API token</span>
          <input
            type="password"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            autoComplete="off"
            autoFocus
          />
        </label>
        <p className="note">
          Anyone can look; a maintainer or admin token lets you build, cancel, approve and promote. The token
          is kept in this browser only.
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="submit" className="button button-primary" disabled={busy}>
            Save token
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
