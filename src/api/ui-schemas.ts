// What the web UI reads beside the rest of the API: packages, the graph, waves.
import { z } from "zod";
import { JobStatus, PackageStatus, RequestStatus } from "./job-status-schema.js";

export const PackageSummary = z.object({
  name: z.string(),
  evr: z.string(),
  /** Its latest build's state (cut-off: green, with the published build's output). */
  status: PackageStatus,
  lastBuild: z.number().nullable(),
  /** Repository → the VERSION-RELEASE it holds. */
  repos: z.record(z.string(), z.string()),
});
export type PackageSummary = z.infer<typeof PackageSummary>;

export const PackageDetail = z.object({
  name: z.string(),
  /** Its latest build's state. */
  status: PackageStatus,
  evr: z.string(),
  specFile: z.string(),
  binaries: z.array(z.string()),
  /** Source packages of the set it build-requires. */
  needs: z.array(z.string()),
  /** Source packages that build-require it. */
  neededBy: z.array(z.string()),
  /** BuildRequires the host supplies. */
  fromHost: z.array(z.string()),
  errors: z.array(z.string()),
  repos: z.record(z.string(), z.string()),
  builds: z.array(
    z.object({
      id: z.number(),
      status: z.string(),
      evr: z.string(),
      reason: z.string(),
      createdAt: z.string(),
      durationMs: z.number().nullable(),
    }),
  ),
});
export type PackageDetail = z.infer<typeof PackageDetail>;

export const GraphView = z.object({
  center: z.string(),
  nodes: z.array(
    z.object({ name: z.string(), status: PackageStatus, build: z.number().nullable(), center: z.boolean() }),
  ),
  /** from → to: `to` build-requires `from`. */
  edges: z.array(z.object({ from: z.string(), to: z.string() })),
  /** More packages are there than were shown. */
  truncated: z.boolean(),
});
export type GraphView = z.infer<typeof GraphView>;

export const WavesView = z.object({
  request: z.number(),
  status: RequestStatus,
  waves: z.array(z.array(z.object({ package: z.string(), status: JobStatus, build: z.number().nullable() }))),
  upToDate: z.array(z.string()),
});
export type WavesView = z.infer<typeof WavesView>;
