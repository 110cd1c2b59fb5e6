// The farm's API tokens (admins only): who has which role, made and revoked when; create one (shown
// once), revoke one. The server refuses revoking the last live admin token.
import { useState, type FormEvent } from "react";
import type { TokenListEntry } from "../../../src/api/admin-schemas";
import { apiPost, errorMessage } from "../api";
import { useAuth } from "../auth";
import { ActionButton } from "../components/ActionButton";
import { Ago } from "../components/Ago";
import { Fetching } from "../components/Feedback";
import { useApi } from "../useApi";

const ROLES = ["viewer", "maintainer", "admin", "enrol"] as const;

export function Tokens() {
  const { role, known } = useAuth();
  const admin = role === "admin";
  const tokens = useApi<{ tokens: TokenListEntry[] }>(admin ? "/tokens" : null);
  const [name, setName] = useState("");
  const [newRole, setNewRole] = useState<(typeof ROLES)[number]>("maintainer");
  const [made, setMade] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (known && !admin)
    return (
      <>
        <title>Tokens · Kiln</title>
        <h1>Tokens</h1>
        <p className="note">Sign in with an admin token to see and manage the farm's tokens.</p>
      </>
    );

  const create = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    try {
      const t = await apiPost<{ name: string; token: string }>("/tokens", { name, role: newRole });
      setMade({ name: t.name, token: t.token });
      setName("");
      tokens.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <>
      <title>Tokens · Kiln</title>
      <h1>Tokens</h1>
      <form onSubmit={(e) => void create(e)} className="stack" aria-label="New token">
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <label className="field">
          <span>Role</span>
          <select value={newRole} onChange={(e) => setNewRole(e.target.value as (typeof ROLES)[number])}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <div className="buttons">
          <button type="submit" className="button button-primary">
            Create token
          </button>
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
      {made && (
        <p className="note new-token" role="status">
          Token “{made.name}”, shown only now: <code>{made.token}</code>
        </p>
      )}
      <Fetching error={tokens.error} loading={tokens.loading} />
      {tokens.data && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">State</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.tokens.map((t, i) => (
                <tr key={`${t.name}-${i}`}>
                  <td>
                    <strong>{t.name}</strong>
                  </td>
                  <td>{t.role}</td>
                  <td>
                    <Ago at={t.createdAt} />
                  </td>
                  <td>
                    {t.revokedAt ? (
                      <span>
                        revoked <Ago at={t.revokedAt} />
                        {t.revokedBy ? ` by ${t.revokedBy}` : ""}
                      </span>
                    ) : (
                      "live"
                    )}
                  </td>
                  <td>
                    {!t.revokedAt && (
                      <ActionButton
                        className="button button-danger"
                        onAction={async () => {
                          await apiPost(`/tokens/${encodeURIComponent(t.name)}/revoke`);
                          tokens.reload();
                        }}
                      >
                        Revoke {t.name}
                      </ActionButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
