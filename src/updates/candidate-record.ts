// What a thread's candidate build did, package by package, kept beside the thread as
// candidate.json while it runs (each build event rewrites it whole, under a temporary name first),
// so that the API and the web UI show the candidate's builds and their logs live and afterwards.
import { constants } from "node:fs";
import { open, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { CandidateBuild, type CandidateView } from "../api/watch-schemas.js";
import { DataDir } from "../context/data-dir.js";
import type { BuildEvent } from "../follow/events.js";

const Recorded = z.object({ builds: CandidateBuild.omit({ log: true }).array(), taken: z.array(z.string()) });
type Recorded = z.infer<typeof Recorded>;
type Entry = Recorded["builds"][number];

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const recordPath = (workDir: string): string => join(workDir, "candidate.json");
/** Where the install test's dnf output is kept (src/updates/install-test.ts writes it). */
export const installLogPath = (workDir: string): string => join(workDir, "install-test.log");
/** A candidate build's log, in the candidate's own data directory. */
export const candidateLogPath = (workDir: string, build: number): string =>
  join(new DataDir(join(workDir, "candidate")).buildDir(build), "build.log");

/** The record is Kiln's own, but read with a cap all the same. */
const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** Keeps the record of one candidate build: `onEvent` for buildInProcess, `done` to wait for the last write. */
export class CandidateRecorder {
  private readonly r: Recorded = { builds: [], taken: [] };
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly workDir: string) {}

  /** Starts afresh (a resumed thread builds its candidate again from the start). */
  async reset(): Promise<void> {
    await rm(recordPath(this.workDir), { force: true });
    await rm(installLogPath(this.workDir), { force: true });
  }

  taken(packages: string[]): void {
    this.r.taken = [...packages];
    this.save();
  }

  readonly onEvent = (e: BuildEvent): void => {
    const set = (pkg: string, fields: Partial<Entry> & Pick<Entry, "state">): void => {
      const i = this.r.builds.findIndex((b) => b.package === pkg);
      const before = i >= 0 ? this.r.builds[i]! : { package: pkg, build: null, note: null, ms: null };
      const next = { ...before, ...fields };
      if (i >= 0) this.r.builds[i] = next;
      else this.r.builds.push(next);
      this.save();
    };
    if (e.type === "start") set(e.package, { state: "building", build: e.buildId, note: e.reason });
    else if (e.type === "up-to-date") set(e.package, { state: "up-to-date" });
    else if (e.type === "green") set(e.package, { state: "green", build: e.buildId, ms: e.ms });
    else if (e.type === "cut-off")
      set(e.package, {
        state: "cut-off",
        build: e.buildId,
        ms: e.ms,
        note: `its output equals build ${e.sameAs}'s, already in the repository`,
      });
    else if (e.type === "failed")
      set(e.package, { state: "failed", note: e.error, ...(e.buildId ? { build: e.buildId } : {}) });
    else if (e.type === "blocked") set(e.package, { state: "blocked", note: e.why });
    else if (e.type === "invalid") set(e.package, { state: "invalid", note: e.error });
    else if (e.type === "error") set(e.package, { state: "invalid", note: e.error.format() });
    else if (e.type === "cancelled") set(e.package, { state: "cancelled" });
  };

  async done(): Promise<void> {
    await this.writing;
  }

  private save(): void {
    const text = JSON.stringify(this.r);
    const file = recordPath(this.workDir);
    this.writing = this.writing
      .then(async () => {
        await writeFile(`${file}.tmp`, text);
        await rename(`${file}.tmp`, file);
      })
      .catch(() => undefined);
  }
}

/** A thread's candidate as the API shows it: nothing built yet when there is no record. */
export async function readCandidate(workDir: string): Promise<CandidateView> {
  const exists = (p: string) =>
    stat(p).then(
      (s) => s.isFile(),
      () => false,
    );
  let r: Recorded = { builds: [], taken: [] };
  const text = await readCapped(recordPath(workDir));
  if (text !== undefined) {
    const parsed = Recorded.safeParse(parseJson(text));
    if (parsed.success) r = parsed.data;
  }
  const builds = await Promise.all(
    r.builds.map(async (b) => ({
      ...b,
      log: b.build !== null && (await exists(candidateLogPath(workDir, b.build))),
    })),
  );
  return { builds, taken: r.taken, installLog: await exists(installLogPath(workDir)) };
}

async function readCapped(path: string): Promise<string | undefined> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
  if (!fh) return undefined;
  try {
    const st = await fh.stat();
    return st.isFile() && st.size <= MAX_RECORD_BYTES ? await fh.readFile("utf8") : undefined;
  } finally {
    await fh.close();
  }
}
