// Tags of any git repository, from `git ls-remote --tags --refs URL` (run by the fetcher through
// the exec wrapper; this module only reads its output). Default scheme: rpm. git gives no dates.
import type { WatchConfig } from "../../config/watch-schema.js";
import type { Release } from "../types.js";
import { capReleases } from "./source.js";

export type GitWatch = Extract<WatchConfig, { source: "git" }>;

export const GIT_SCHEME = "rpm";

/** git's arguments to list the repository's tags (`--refs` leaves out the peeled `^{}` lines). */
export function lsRemoteArgs(watch: GitWatch): string[] {
  // The schema allows only http(s):// and git:// URLs; "--" says so to git as well.
  return ["ls-remote", "--tags", "--refs", "--", watch.repository];
}

const LINE = /^([0-9a-f]{40}|[0-9a-f]{64})\trefs\/tags\/(.+)$/;

/**
 * The tags in `git ls-remote --tags` output, each once: a peeled line (`refs/tags/v1^{}`, the
 * commit an annotated tag points at) counts as its tag. `repository` names it in errors.
 */
export function parseLsRemoteTags(stdout: string, repository = "the repository"): Release[] {
  const seen = new Set<string>();
  for (const [i, line] of stdout.split("\n").entries()) {
    if (line.trim() === "") continue;
    const m = LINE.exec(line.replace(/\r$/, ""));
    if (!m) {
      throw new Error(
        `git ls-remote of ${repository} printed line ${i + 1} that is not "<sha>\\trefs/tags/<name>": ${JSON.stringify(line.slice(0, 200))}`,
      );
    }
    const name = m[2]!.replace(/\^\{\}$/, "");
    if (name !== "") seen.add(name);
  }
  // ls-remote sorts by name, which says nothing of age; keep the last ones.
  return capReleases(
    [...seen].map((raw) => ({ raw })),
    "oldest-first",
  );
}
