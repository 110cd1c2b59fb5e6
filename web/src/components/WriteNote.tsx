import { useAuth } from "../auth";

/** Said where write controls would be, to someone who may look but not act. */
export function WriteNote({ what }: { what: string }) {
  const auth = useAuth();
  if (auth.canWrite || !auth.known) return null;
  return (
    <p className="note">
      {auth.role
        ? `A ${auth.role} token can look but not act: a maintainer or admin token is needed to ${what}.`
        : `Sign in with a maintainer token to ${what}.`}
    </p>
  );
}
