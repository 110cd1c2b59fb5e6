// A run step: the maintainer's command, `sh -c COMMAND` in the job's workspace (work/), sandboxed
// where builds are. It sees the spec, the sources, the build root and the package's RPMs (built in
// this job or handed on by an earlier stage) read-only, through KILN_* variables; only work/ is its.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { buildEnv } from "../../rpm/rpmbuild.js";
import { IN, type Step } from "../step.js";

export const run: Step<"run"> = {
  kind: "run",
  async run(ctx, def) {
    await mkdir(ctx.work, { recursive: true });
    await mkdir(join(ctx.inputs, "rpms"), { recursive: true });
    await mkdir(join(ctx.inputs, "files"), { recursive: true });
    const sandbox = ctx.sandboxed;
    const at = sandbox ? IN : { root: ctx.root, top: ctx.top, work: ctx.work, inputs: ctx.inputs };
    const home = sandbox ? "/tmp" : join(ctx.input.jobDir, "home");
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
    if (sandbox) {
      // Bind sources must exist, whether or not this job built or has a root.
      await mkdir(ctx.top, { recursive: true });
      await mkdir(ctx.root, { recursive: true });
    } else await mkdir(env.HOME!, { recursive: true });
    ctx.say(
      `${sandbox ? "sandbox (bubblewrap, no network)" : ctx.result.sandbox}: sh -c ${JSON.stringify(def.command)}`,
    );
    await ctx.exec(def, def.name, {
      argv: ["sh", "-c", def.command!],
      env,
      cwd: sandbox ? IN.work : ctx.work,
      sandbox: sandbox
        ? {
            readOnly: [
              { src: ctx.root, dest: IN.root },
              { src: ctx.top, dest: IN.top },
              { src: ctx.inputs, dest: IN.inputs },
            ],
            readWrite: [{ src: ctx.work, dest: IN.work }],
          }
        : undefined,
    });
  },
};
