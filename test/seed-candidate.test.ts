// A candidate's start from the farm, with the farm on each engine: its first repository's builds
// (and a newer green build cut off to one of them) copied into the candidate's SQLite database and
// store, the bumped package left out, and a build whose file is damaged in the farm's store not
// taken at all; the farm itself is left as it was.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ArtifactStore } from "../src/artifacts/store.js";
import { artifactsOf, finishBuild, insertArtifacts, latestGreenBuilds } from "../src/db/builds.js";
import { openDatabase, type Db } from "../src/db/connect.js";
import { commitContent, ensureRepositories, repositoryContent } from "../src/db/repos.js";
import { seedCandidate } from "../src/updates/seed-candidate.js";
import { backends, databaseForSuite, tempDir, testBuild } from "./kit/index.js";

describe.each(backends)("a candidate seeded from a farm on %s", (kind) => {
  let farm: Db;
  databaseForSuite(kind, (opened) => (farm = opened));

  test("takes the published builds but the bumped package's, and no package with a damaged file", async () => {
    const store = new ArtifactStore(join(tempDir("kiln-seed-farm-"), "artifacts"));
    await ensureRepositories(farm.db, ["testing", "stable"]);
    const green = async (pkg: string, same: number | null = null): Promise<number> => {
      const id = await testBuild(farm, pkg);
      await finishBuild(farm.db, id, "green", 1000, null, same);
      const file = join(tempDir("kiln-seed-file-"), `${pkg}-${id}.rpm`);
      writeFileSync(file, `${pkg} build ${id}`);
      const { sha256, size } = await store.put(file);
      await insertArtifacts(farm.db, [
        {
          build_id: id,
          job_id: null,
          kind: "rpm",
          filename: `${pkg}-1.0-1.x86_64.rpm`,
          sha256,
          size,
          name: pkg,
        },
        { build_id: id, job_id: null, kind: "log", filename: "build.log", sha256, size },
      ]);
      return id;
    };
    const a = await green("liba");
    const b = await green("libb");
    const c = await green("libc");
    const bumped = await green("libnew");
    await commitContent(
      farm.db,
      "testing",
      new Map([
        ["liba", a],
        ["libb", b],
        ["libc", c],
        ["libnew", bumped],
      ]),
    );
    const bCutOff = await green("libb", b);
    // libc's file rots in the farm's store.
    const [cFile] = (await artifactsOf(farm.db, [c])).filter((x) => x.kind === "rpm");
    chmodSync(store.path(cFile!.sha256), 0o644);
    writeFileSync(store.path(cFile!.sha256), "rotten");

    const dir = tempDir("kiln-seed-candidate-");
    const cand = await openDatabase(`sqlite:${join(dir, "kiln.db")}`);
    try {
      await ensureRepositories(cand.db, ["testing", "stable"]);
      const into = { db: cand.db, store: new ArtifactStore(join(dir, "artifacts")), repo: "testing" };
      const seeded = await seedCandidate({ db: farm.db, store, repo: "testing" }, into, "libnew");
      expect(seeded).toEqual({
        packages: ["liba", "libb"],
        skipped: [{ package: "libc", why: "libc-1.0-1.x86_64.rpm is damaged in the farm's store" }],
      });
      expect(Object.fromEntries(await repositoryContent(cand.db, "testing"))).toEqual({ liba: a, libb: b });
      const greens = await latestGreenBuilds(cand.db);
      expect([...greens].map(([p, r]) => [p, r.id, r.same_output_as, r.input_key]).sort()).toEqual([
        ["liba", a, null, "key-liba"],
        ["libb", bCutOff, b, "key-libb"],
      ]);
      // RPM rows only (no logs), with their files in the candidate's store, byte for byte.
      const rows = await artifactsOf(cand.db, [a, b, bCutOff]);
      expect(rows.map((r) => [r.build_id, r.kind, r.name])).toEqual([
        [a, "rpm", "liba"],
        [b, "rpm", "libb"],
        [bCutOff, "rpm", "libb"],
      ]);
      for (const r of rows) expect(await into.store.has(r.sha256)).toBe(true);
      // The farm is as it was.
      expect(Object.keys(Object.fromEntries(await repositoryContent(farm.db, "testing"))).sort()).toEqual([
        "liba",
        "libb",
        "libc",
        "libnew",
      ]);
    } finally {
      await cand.close();
    }
  });
});
