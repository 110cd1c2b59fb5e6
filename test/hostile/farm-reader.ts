// Reads a farm over HTTP as anyone may, keeping every body it was sent: what the hostile corpus
// searches for secrets at the end.
import {
  api,
  BuildList,
  JobList,
  type RawCaller,
  rawCaller,
  type RequestPackageView,
  waitForRequest,
} from "../kit/index.js";

/** A package of a request as the API shows it. */
export type Pkg = RequestPackageView;

export class FarmReader {
  readonly bodies: string[] = [];

  constructor(private readonly url: () => string) {}

  /** An API call, its answer kept. */
  readonly call: RawCaller = rawCaller(async (method, path, o) => {
    const r = await api(this.url(), method, path, o);
    this.bodies.push(r.text);
    return r;
  });

  /** Waits for a request to end; its packages. */
  async finished(id: number, ms?: number): Promise<Pkg[]> {
    const done = await waitForRequest(this.url(), id, ms);
    this.bodies.push(JSON.stringify(done));
    return done.packages;
  }

  /** Reads every build, build log, job, job log, agent and package; returns how many builds. */
  async readEverything(): Promise<number> {
    const { builds } = (await this.call("GET", "/builds?limit=1000", { schema: BuildList })).body;
    for (const b of builds) {
      await this.call("GET", `/builds/${b.id}`);
      await this.call("GET", `/builds/${b.id}/log`);
    }
    for (const j of (await this.call("GET", "/jobs?limit=1000", { schema: JobList })).body.jobs) {
      await this.call("GET", `/jobs/${j.id}`);
      await this.call("GET", `/jobs/${j.id}/log`);
    }
    await this.call("GET", "/agents");
    await this.call("GET", "/packages");
    await this.call("GET", "/repositories");
    return builds.length;
  }
}
