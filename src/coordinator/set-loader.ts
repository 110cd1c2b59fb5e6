// The package set as the coordinator sees it: one load at a time (a caller that comes while one is
// under way gets the next, which starts after it); for readers, the last one loaded.
import { loadGraph, type LoadedGraph } from "../planner/load-graph.js";
import type { Workspace } from "../context/workspace.js";

export class SetLoader {
  /** The set as loaded last (undefined before the first load). */
  graph: LoadedGraph | undefined;
  private loading: Promise<LoadedGraph> | undefined;
  private nextLoad: Promise<LoadedGraph> | undefined;
  private loadedAt = 0;

  constructor(
    private readonly ws: Workspace,
    private readonly say: (line: string) => void,
  ) {}

  reload(): Promise<LoadedGraph> {
    if (!this.loading) return this.start();
    this.nextLoad ??= this.loading
      .catch(() => undefined)
      .then(() => {
        this.nextLoad = undefined;
        return this.start();
      });
    return this.nextLoad;
  }

  private start(): Promise<LoadedGraph> {
    const p = loadGraph(this.ws)
      .then((g) => {
        this.graph = g;
        this.loadedAt = Date.now();
        return g;
      })
      .finally(() => {
        if (this.loading === p) this.loading = undefined;
      });
    this.loading = p;
    return p;
  }

  /** The last load, with a new one started in the background when it is older than `maxAgeMs`. */
  current(maxAgeMs: number): LoadedGraph | undefined {
    if (Date.now() - this.loadedAt > maxAgeMs && !this.loading) {
      this.reload().catch((e: unknown) => this.say(`reading the set failed: ${(e as Error).message}`));
    }
    return this.graph;
  }
}
