// "Rebuild" and "Rebuild with everything downstream": POST /rebuilds, then the request's rebuild map.
import { useNavigate } from "react-router";
import type { RequestView } from "../../../src/api/schemas";
import { apiPost } from "../api";
import { useAuth } from "../auth";
import { ActionButton } from "./ActionButton";
import { WriteNote } from "./WriteNote";

export function RebuildButtons({
  packages,
  downstream = true,
}: {
  packages: string[];
  downstream?: boolean;
}) {
  const auth = useAuth();
  const navigate = useNavigate();
  const rebuild = async (withDownstream: boolean): Promise<void> => {
    const r = await apiPost<RequestView>("/rebuilds", { packages, downstream: withDownstream });
    await navigate(`/requests/${r.id}`);
  };
  if (!auth.canWrite) return <WriteNote what="rebuild" />;
  return (
    <div className="buttons">
      <ActionButton onAction={() => rebuild(false)}>Rebuild</ActionButton>
      {downstream && (
        <ActionButton onAction={() => rebuild(true)}>Rebuild with everything downstream</ActionButton>
      )}
    </div>
  );
}
