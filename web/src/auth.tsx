// Who is signed in: the saved token's name and role, and whether they may act (maintainer, admin).
import { createContext, use, useEffect, useState, type ReactNode } from "react";
import { useToken, whoami } from "./api";

export interface Auth {
  name: string | null;
  role: string | null;
  /** A maintainer or admin token: write controls are shown. */
  canWrite: boolean;
  /** whoami has answered for the current token. */
  known: boolean;
}

const AuthContext = createContext<Auth>({ name: null, role: null, canWrite: false, known: false });

export function AuthProvider({ children }: { children: ReactNode }) {
  const token = useToken();
  const [who, setWho] = useState<{ token: string | null; name: string | null; role: string | null }>({
    token: null,
    name: null,
    role: null,
  });
  useEffect(() => {
    if (!token) return;
    let cancelled = false;
    whoami(token).then(
      (w) => {
        if (!cancelled) setWho({ token, name: w.name, role: w.role });
      },
      () => {
        if (!cancelled) setWho({ token, name: null, role: null });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [token]);
  const current = token !== null && who.token === token;
  const role = current ? who.role : null;
  const auth: Auth = {
    name: current ? who.name : null,
    role,
    canWrite: role === "maintainer" || role === "admin",
    known: token === null || current,
  };
  return <AuthContext value={auth}>{children}</AuthContext>;
}

export function useAuth(): Auth {
  return use(AuthContext);
}
