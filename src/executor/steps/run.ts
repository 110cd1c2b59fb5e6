// A run step: the maintainer's command, `sh -c COMMAND` in the job's workspace (work/), sandboxed
// where builds are. It sees the spec, the sources, the build root and the package's RPMs (built in
// this job or handed on by an earlier stage) read-only, through KILN_* variables; only work/ is its.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { buildEnv } from "../../rpm/rpmbuild.js";
import type { Step } from "../step.js";

export const run: Step = async (ctx, def) => {
  for (const d of [ctx.work, join(ctx.inputs, "rpms"), join(ctx.inputs, "files")])
    await mkdir(d, { recursive: true });
  const at = ctx.seen;
  const home = await ctx.home();
  const env: Record<string, string> = {
    ...(ctx.hasRoot
      ? buildEnv(at.root, home)
      : { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", HOME: home, LANG: "C.UTF-8", TZ: "UTC" }),
    KILN_PACKAGE: ctx.input.pkg.name,
    KILN_JOB: ctx.input.job.name,
    KILN_WORKSPACE: at.work,
    KILN_SPEC: `${at.top}/SPECS/${ctx.specName}`,
    KILN_SOURCES: `${at.top}/SOURCES`,
    // The package's RPMs: built in this job, or handed on by an earlier stage.
    KILN_RPMS: ctx.built ? `${at.top}/RPMS` : `${at.inputs}/rpms`,
    KILN_INPUTS: `${at.inputs}/files`,
    ...def.env,
  };
  if (ctx.hasRoot) env.KILN_BUILDROOT = at.root;
  await ctx.exec(def, `sh -c ${JSON.stringify(def.command)}`, {
    argv: ["sh", "-c", def.command!],
    env,
    cwd: "work",
    readOnly: ["root", "top", "inputs"],
    readWrite: "work",
  });
};
