// Reads a farm over HTTP as anyone may, keeping every body it was sent: what the hostile corpus
// searches for secrets at the end.
import { api, waitForRequest } from "../kit/index.js";

/** A package of a request as the API shows it. */
export interface Pkg {
  package: string;
  status: string;
  build: number | null;
  error: string | null;
}

export class FarmReader {
  readonly bodies: string[] = [];

  constructor(private readonly url: () => string) {}

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever the API answered
  async call(method: string, path: string, o: Parameters<typeof api>[3] = {}): Promise<any> {
    const r = await api(this.url(), method, path, o);
    this.bodies.push(typeof r.body === "string" ? r.body : JSON.stringify(r.body));
    return r;
  }

  /** Waits for a request to end; its packages. */
  async finished(id: number, ms?: number): Promise<Pkg[]> {
    const done = await waitForRequest(this.url(), id, ms);
    this.bodies.push(JSON.stringify(done));
    return done.packages as Pkg[];
  }

  /** Reads every build, build log, job, job log, agent and package; returns how many builds. */
  async readEverything(): Promise<number> {
    const builds = (await this.call("GET", "/builds?limit=1000")).body.builds as { id: number }[];
    for (const b of builds) {
      await this.call("GET", `/builds/${b.id}`);
      await this.call("GET", `/builds/${b.id}/log`);
    }
    for (const j of (await this.call("GET", "/jobs?limit=1000")).body.jobs as { id: number }[]) {
      await this.call("GET", `/jobs/${j.id}`);
      await this.call("GET", `/jobs/${j.id}/log`);
    }
    await this.call("GET", "/agents");
    await this.call("GET", "/packages");
    await this.call("GET", "/repositories");
    return builds.length;
  }
}
