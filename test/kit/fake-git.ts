// A git repository with tags, for the git source's tests: made in a throwaway directory, one commit
// per tag, and kept ready for dumb HTTP (update-server-info after every change) so that the fake
// upstreams can serve its .git directory (FakeUpstreams.serveGit). Those fakes answer in the test's
// own process, so the test must run `git ls-remote` asynchronously (execFileSync would deadlock).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { git } from "./sets.js";
import { tempDir } from "./temp.js";

export interface FakeGitRepo {
  /** The repository's .git directory, to serve. */
  gitDir: string;
  /** A new commit tagged `name` (annotated: with a tag object, which ls-remote lists peeled too). */
  tag(name: string, o?: { annotated?: boolean }): void;
  deleteTag(name: string): void;
}

/** A repository whose tags are `tags` (a string is a lightweight tag). */
export function makeGitRepo(tags: (string | { name: string; annotated?: boolean })[]): FakeGitRepo {
  const dir = tempDir("kiln-fake-git-");
  git(dir, "init", "-q", "-b", "main");
  let n = 0;
  const repo: FakeGitRepo = {
    gitDir: join(dir, ".git"),
    tag(name, o = {}) {
      writeFileSync(join(dir, "VERSION"), `${name}\n`);
      git(dir, "add", "VERSION");
      git(dir, "commit", "-q", "-m", `release ${name} (${++n})`);
      git(dir, "tag", ...(o.annotated ? ["-a", "-m", `Release ${name}`] : []), name);
      git(dir, "update-server-info");
    },
    deleteTag(name) {
      git(dir, "tag", "-d", name);
      git(dir, "update-server-info");
    },
  };
  for (const t of tags) {
    if (typeof t === "string") repo.tag(t);
    else repo.tag(t.name, t);
  }
  return repo;
}
