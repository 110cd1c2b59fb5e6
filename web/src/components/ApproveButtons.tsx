// "Approve stage X" for the jobs of a stage waiting for a maintainer's approval (one per stage).
import type { JobView } from "../../../src/api/schemas";
import { apiPost } from "../api";
import { useAuth } from "../auth";
import { ActionButton } from "./ActionButton";

export function waitsForApproval(j: JobView): boolean {
  return j.approval === "manual" && j.approvedBy === null && j.status === "queued";
}

export function ApproveButtons({ jobs }: { jobs: readonly JobView[] }) {
  const auth = useAuth();
  if (!auth.canWrite) return null;
  const seen = new Set<string>();
  const stages = jobs.filter((j) => {
    const key = `${j.request}/${j.package}/${j.stage}`;
    if (!waitsForApproval(j) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (stages.length === 0) return null;
  return (
    <span className="buttons">
      {stages.map((j) => (
        <ActionButton key={j.id} onAction={() => apiPost(`/jobs/${j.id}/approve`)}>
          Approve stage {j.stage}
        </ActionButton>
      ))}
    </span>
  );
}
