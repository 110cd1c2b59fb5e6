// A button that runs a write (a POST) and says when it fails; busy while it runs.
import { useState, type ReactNode } from "react";
import { errorMessage } from "../api";

export function ActionButton({
  onAction,
  children,
  className = "button",
  disabled = false,
}: {
  onAction: () => Promise<unknown>;
  children: ReactNode;
  className?: string;
  disabled?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await onAction();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="action">
      <button type="button" className={className} disabled={disabled || busy} onClick={() => void run()}>
        {children}
      </button>
      {error && (
        <span className="error inline-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
