// What Kiln's own repository holds, as an index for filling build roots: a build's BuildRequires
// (and what those require) are resolved against the published RPMs only.
import type { Kysely } from "kysely";
import type { RootPackage } from "../buildroot/buildroot-cache.js";
import {
  installClosure,
  parseRequirements,
  type Requirement,
  type Unsatisfied,
} from "../core/install-closure.js";
import type { SourcePackage } from "../core/package.js";
import { ProviderIndex, type Provider } from "../core/providers.js";
import { artifactsOf } from "../db/builds.js";
import { repositoryContent } from "../db/repos.js";
import type { ArtifactRow, Database } from "../db/schema.js";
import { fromJson } from "../db/json-columns.js";

export interface RepoView {
  /** Package → the build id the repository holds. */
  content: Map<string, number>;
  index: ProviderIndex;
  rpms: Map<Provider, ArtifactRow>;
  /** Parsed Requires by RPM, filled as needed. */
  requires: Map<Provider, Requirement[]>;
  /** Builds demoted out of the repository (rolled back): not to be published again as they are. */
  demoted: Set<number>;
  /** Builds with an artifact found damaged (kiln scrub): to be built again. */
  damaged: Set<number>;
}

export async function loadRepoView(db: Kysely<Database>, repo: string): Promise<RepoView> {
  const content = await repositoryContent(db, repo);
  const sourceOf = new Map([...content].map(([pkg, id]) => [id, pkg]));
  const index = new ProviderIndex();
  const rpms = new Map<Provider, ArtifactRow>();
  for (const a of await artifactsOf(db, [...content.values()])) {
    if (a.kind !== "rpm" || !a.name) continue;
    const source = sourceOf.get(a.build_id)!;
    rpms.set(index.provider(source, a.name), a);
    index.addRpm(source, a.name, strings(a, "provides"), strings(a, "files"));
  }
  const demotions = await db
    .selectFrom("repo_history")
    .select("previous_build_id")
    .where((eb) => eb.and({ repo, action: "demote" }))
    .execute();
  const damaged = await db
    .selectFrom("artifacts")
    .select("build_id")
    .where("sha256", "in", (q) => q.selectFrom("damaged_artifacts").select("sha256"))
    .execute();
  return {
    content,
    index,
    rpms,
    requires: new Map(),
    demoted: new Set(demotions.map((r) => r.previous_build_id!)),
    damaged: new Set(damaged.map((r) => r.build_id)),
  };
}

function strings(a: ArtifactRow | undefined, column: "provides" | "requires" | "files"): string[] {
  return fromJson("strings", a?.[column] ?? "[]", `artifacts.${column}`);
}

export interface RootPlan {
  packages: RootPackage[];
  unsatisfied: Unsatisfied[];
}

/** The published RPMs a build of `pkg` installs into its build root. */
export function rootFor(view: RepoView, pkg: SourcePackage, isHost: (name: string) => boolean): RootPlan {
  const closure = installClosure(pkg.buildRequires, {
    index: view.index,
    isHost,
    requiresOf: (p) => {
      let r = view.requires.get(p);
      if (!r) view.requires.set(p, (r = parseRequirements(strings(view.rpms.get(p), "requires"))));
      return r;
    },
  });
  const packages = closure.chosen
    .map((p) => view.rpms.get(p)!)
    .map((a) => ({ sha256: a.sha256, filename: a.filename }))
    .sort((a, b) => (a.filename < b.filename ? -1 : 1));
  return { packages, unsatisfied: closure.unsatisfied };
}
