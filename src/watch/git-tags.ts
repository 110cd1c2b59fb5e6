// The git source: the tags of any repository, from `git ls-remote`. The URL comes from the set, so
// only http(s) and git:// are allowed (no ext::, file:// or ssh with its own configuration), no
// redirect is followed, nothing prompts, and a private address is refused as for HTTP.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { exec, ExecError } from "../util/exec.js";
import { isPrivateAddress } from "./address-policy.js";
import { UpstreamError } from "./http.js";
import { lsRemoteArgs, type GitWatch } from "./sources/git.js";

export async function lsRemoteTags(
  watch: GitWatch,
  o: { allowPrivate: boolean; timeoutMs: number; maxBytes: number },
): Promise<string> {
  const u = new URL(watch.repository);
  if (!["http:", "https:", "git:"].includes(u.protocol))
    throw new UpstreamError(`refusing ${u.protocol} repository URL: only http(s) and git://`);
  if (!o.allowPrivate) {
    const host = u.hostname.replace(/^\[|\]$/g, "");
    const addresses = isIP(host)
      ? [host]
      : await lookup(host, { all: true }).then(
          (a) => a.map((x) => x.address),
          (e: NodeJS.ErrnoException) => {
            throw new UpstreamError(`cannot resolve ${host}: ${e.code ?? e.message}`);
          },
        );
    const bad = addresses.find(isPrivateAddress);
    if (bad)
      throw new UpstreamError(
        `${host} is a private address (${bad}); watches from the set may only reach public hosts ` +
          "(the server's config can allow private upstreams: watch.allow-private)",
      );
  }
  const signal = AbortSignal.timeout(o.timeoutMs);
  const args = [
    "git",
    "-c",
    "protocol.allow=never",
    ...["http", "https", "git"].flatMap((p) => ["-c", `protocol.${p}.allow=always`]),
    "-c",
    "http.followRedirects=false",
    "-c",
    "credential.helper=",
    ...lsRemoteArgs(watch),
  ];
  try {
    const r = await exec(args, {
      signal,
      maxBuffer: o.maxBytes,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: "/nonexistent",
        LANG: "C.UTF-8",
        GIT_TERMINAL_PROMPT: "0",
        GIT_ASKPASS: "/bin/false",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
      },
    });
    return r.stdout;
  } catch (e) {
    if (signal.aborted)
      throw new UpstreamError(`git ls-remote ${u.host}: no answer within ${o.timeoutMs / 1000} s`);
    if (e instanceof ExecError) {
      // git's own words name the failure ("repository not found", "could not resolve host").
      const line =
        e.stderr.split("\n").find((l) => /^(fatal|error):/.test(l)) ?? `exit status ${String(e.code)}`;
      throw new UpstreamError(
        `git ls-remote ${u.host}: ${line.replace(/^(fatal|error):\s*/, "").slice(0, 300)}`,
      );
    }
    throw e;
  }
}
