import type { ReactNode } from "react";
import type { ApiError } from "../api";

export function Loading({ what = "Loading…" }: { what?: string }) {
  return (
    <p className="loading" role="status">
      {what}
    </p>
  );
}

export function ErrorMessage({
  error,
  children,
}: {
  error?: Error | string | undefined;
  children?: ReactNode;
}) {
  if (!error && !children) return null;
  return (
    <p className="error" role="alert">
      {typeof error === "string" ? error : error?.message}
      {children}
    </p>
  );
}

/** The state of a fetch: its error, or a loading note until there is data. */
export function Fetching({
  error,
  loading,
  what,
}: {
  error: ApiError | undefined;
  loading: boolean;
  what?: string;
}) {
  if (error) return <ErrorMessage error={error} />;
  if (loading) return <Loading {...(what ? { what } : {})} />;
  return null;
}
