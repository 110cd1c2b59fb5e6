// The CLI as a client of a Kiln server: `kiln build --server`, `kiln status`, `kiln logs`, `kiln cancel`.
import { HealthView } from "../api/health-schemas.js";
import { Option, type Command } from "commander";
import { z } from "zod";
import { ApiClient, ApiError } from "../api/client.js";
import { AgentView, BuildView, JobView, RequestView, type RequestCause } from "../api/schemas.js";
import { UserError } from "../util/errors.js";
import { followRequest } from "../follow/follow-request.js";
import { setOptions } from "./common.js";
import { secs } from "./output.js";
import { createProgress, terminalArea } from "./progress.js";
import { outcomeOf, printOutcome } from "./report.js";

export interface ServerOptions {
  server?: string;
  token?: string;
}

export function serverOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--server <url>", "a Kiln server's URL (default: $KILN_SERVER)").env("KILN_SERVER"))
    .addOption(new Option("--token <token>", "an API token (default: $KILN_TOKEN)").env("KILN_TOKEN"));
}

/** The options of a command that works on a package set, or with --server on a server. */
export function setOrServerOptions(cmd: Command): Command {
  return serverOptions(setOptions(cmd));
}

export function client(o: ServerOptions): ApiClient {
  return new ApiClient(o.server!, o.token);
}

/** An API error as the CLI reports it: a UserError (exit status 2) for what the caller got wrong. */
export function cliError(e: unknown): unknown {
  if (e instanceof ApiError) {
    const hint =
      e.status === 401
        ? "pass --token or set KILN_TOKEN (the server wrote an admin token to admin.token in its data directory)"
        : undefined;
    return new UserError("USAGE", `server: ${e.message}`, undefined, hint);
  }
  return e;
}

/** A request to the server, its API errors told as the CLI's (cliError). */
export async function viaServer<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw cliError(e);
  }
}

/** viaServer for a command that works only on a server. */
export async function onServer<T>(
  o: ServerOptions,
  what: string,
  fn: () => Promise<T>,
  hint?: string,
): Promise<T> {
  if (!o.server)
    throw new UserError("USAGE", `kiln ${what} needs --server (or KILN_SERVER)`, undefined, hint);
  return viaServer(fn);
}

/** What set a request off, in words. */
export function describeCause(c: RequestCause): string {
  switch (c.kind) {
    case "commit":
      return `commit ${c.commit.slice(0, 12)} "${c.subject}", which changed ${c.changed.join(", ")}`;
    case "rebuild":
      return `a rebuild of ${c.packages.join(", ")}${c.downstream ? " and everything below" : ""}`;
    case "submit":
      return "a build request";
    case "command":
      return `the command ${JSON.stringify(c.command)}${c.unsandboxed ? ", run WITHOUT the sandbox by an admin" : ""}`;
  }
}

/** Submits a build (POST `path`) and, unless told not to, follows it to the end. Returns the exit status. */
export async function submitAndFollow(
  o: ServerOptions & { wait: boolean },
  path: "/requests" | "/rebuilds",
  body: object,
): Promise<number> {
  const api = client(o);
  const req = await api.json(RequestView, "POST", path, body);
  console.log(
    `request ${req.id}: ${req.packages.length} package(s), ${req.jobs.length} job(s)${req.upToDate.length ? `, ${req.upToDate.length} up to date` : ""} on ${api.base}`,
  );
  if (!o.wait) {
    console.log(`follow it with: kiln status --server ${api.base} --request ${req.id}`);
    return 0;
  }
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once("SIGINT", onSignal);
  const live = process.stderr.isTTY ? await terminalArea(process.stderr) : undefined;
  const progress = createProgress({ ...(live ? { live } : {}), setDir: process.cwd() });
  try {
    // The same following and the same progress as a local build's, read over the API.
    const last = await followRequest(
      {
        view: () => api.json(RequestView, "GET", `/requests/${req.id}`),
        build: (id) => api.json(BuildView, "GET", `/builds/${id}`),
        logOf: (j) => Promise.resolve(`kiln logs --server ${api.base} --job ${j.id}`),
        changed: () => new Promise((r) => setTimeout(r, 500)),
      },
      { onEvent: (e) => progress.onEvent(e), signal: stop.signal },
    );
    progress.stop();
    if (stop.signal.aborted && last.status === "active") {
      console.log(
        `stopped waiting; request ${req.id} goes on (kiln cancel --server ${api.base} --request ${req.id} stops it)`,
      );
      return 130;
    }
    printOutcome(outcomeOf(last.packages, last.upToDate));
    for (const p of last.packages.filter((x) => x.status === "failed")) {
      // The job that failed first (an agent's), else the package's own failure (publishing).
      const jobs = last.jobs.filter((x) => x.package === p.package && x.status === "failed");
      const j =
        jobs.find((x) => x.runsOn === "agent" && x.steps.length > 0) ??
        jobs.find((x) => x.runsOn === "server");
      const log = j?.log?.includes("/jobs/")
        ? `kiln logs --server ${api.base} --job ${j.id}`
        : `kiln logs --server ${api.base} ${p.build ?? ""}`;
      console.log(
        `  ${p.package}${p.build ? ` (build ${p.build}, log: ${log})` : ""}: ${j?.error ?? p.error ?? ""}`,
      );
    }
    return last.packages.some((j) => ["failed", "blocked", "invalid", "cancelled"].includes(j.status))
      ? 1
      : 0;
  } finally {
    progress.stop();
    process.off("SIGINT", onSignal);
  }
}

export async function remoteStatus(o: ServerOptions & { request?: number }): Promise<void> {
  const api = client(o);
  if (o.request !== undefined) {
    const r = await api.json(RequestView, "GET", `/requests/${o.request}`);
    console.log(
      `request ${r.id} (${r.status}), by ${r.createdBy} at ${r.createdAt}${r.cause ? `: ${describeCause(r.cause)}` : ""}`,
    );
    for (const j of r.jobs)
      console.log(`  ${j.package.padEnd(24)} ${j.status.padEnd(10)} ${j.why}${jobTag(j)}`);
    return;
  }
  const health = await api.json(HealthView, "GET", "/health");
  const sick = health.checks.filter((c) => c.state !== "ok");
  console.log(
    `health: ${health.state} (${sick.length ? `${sick.length} of ${health.checks.length} checks not ok` : `${health.checks.length} checks`})`,
  );
  for (const c of sick) console.log(`  ${c.state.padEnd(8)} ${c.sentence} (since ${c.since})`);
  const { agents } = await api.json(z.object({ agents: z.array(AgentView) }), "GET", "/agents");
  console.log(`agents (${agents.length}):`);
  for (const a of agents) {
    const running = a.running.map((r) => `${r.package} (build ${r.build ?? "?"})`).join(", ");
    console.log(
      `  ${a.name.padEnd(20)} ${a.state.padEnd(8)} ${a.running.length}/${a.slots} slots${running ? `: ${running}` : ""}`,
    );
  }
  const { jobs } = await api.json(
    z.object({ jobs: z.array(JobView) }),
    "GET",
    "/jobs?status=active&limit=1000",
  );
  console.log(`queue (${jobs.length} active):`);
  for (const j of [...jobs].reverse())
    console.log(`  ${j.package.padEnd(24)} ${j.status.padEnd(8)} ${j.why}${jobTag(j)}`);
  const { builds } = await api.json(z.object({ builds: z.array(BuildView) }), "GET", "/builds?limit=10");
  console.log("recent builds:");
  for (const b of builds) {
    const took = b.durationMs !== null ? ` ${secs(b.durationMs)}` : "";
    console.log(
      `  ${String(b.id).padStart(6)} ${b.package.padEnd(24)} ${b.status.padEnd(9)}${took}${b.agent ? ` on ${b.agent}` : ""}`,
    );
  }
}

/** Prints a build's log; with follow, streams it (server-sent events) until the build ends. */
export async function remoteLogs(
  o: ServerOptions & { follow?: boolean; job?: boolean },
  build: number,
): Promise<number> {
  const api = client(o);
  const path = o.job ? `/jobs/${build}/log` : `/builds/${build}/log`;
  if (!o.follow) {
    const res = await api.fetch(path);
    process.stdout.write(Buffer.from(await res.arrayBuffer()));
    return 0;
  }
  const res = await api.fetch(`${path}?follow=1`, { headers: { accept: "text/event-stream" } });
  if (!res.body) return 1;
  const decoder = new TextDecoder();
  let buf = "";
  let status = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const event = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const type = /^event: (.*)$/m.exec(event)?.[1];
      const data = /^data: (.*)$/m.exec(event)?.[1];
      if (type === "log" && data) process.stdout.write(JSON.parse(data) as string);
      if (type === "end" && data) {
        const end = JSON.parse(data) as { status: string; error: string | null };
        console.error(
          `${o.job ? "job" : "build"} ${build} ${end.status}${end.error ? `: ${end.error}` : ""}`,
        );
        status = end.status === "green" || end.status === "cut-off" ? 0 : 1;
      }
    }
  }
  return status;
}

export async function remoteCancel(o: ServerOptions & { request?: boolean }, id: number): Promise<void> {
  const api = client(o);
  if (o.request) {
    const r = await api.json(RequestView, "POST", `/requests/${id}/cancel`);
    console.log(
      `request ${id}: ${r.status}; ${r.jobs.filter((j) => j.status === "cancelled").length} job(s) cancelled`,
    );
    return;
  }
  const r = await api.json(z.object({ status: z.string() }), "POST", `/builds/${id}/cancel`);
  console.log(
    `build ${id}: ${r.status === "leased" ? "cancelling (its agent stops it at its next heartbeat)" : r.status}`,
  );
}

/** Which job a status line is about: its id, and its stage and name in the package's pipeline. */
function jobTag(j: JobView): string {
  return j.stage ? `  [job ${j.id}: ${j.stage}/${j.name}]` : `  [job ${j.id}]`;
}
