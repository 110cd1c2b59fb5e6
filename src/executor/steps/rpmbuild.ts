// The rpmbuild step: rpmbuild -ba on the job's spec against its build root, in the sandbox when the
// job is sandboxed (the rpmbuild tree is the only place it may write), then what it left in RPMS/
// and SRPMS/ read as untrusted: no links, only RPMs, all built from this package's own source RPM.
import { mkdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { queryRpms } from "../../rpm/rpm-query.js";
import { buildEnv, rpmbuildArgv } from "../../rpm/rpmbuild.js";
import { checkOutputs, listOutputRpms } from "../build-outputs.js";
import type { Step } from "../step.js";
import { StepError } from "../step-error.js";

export const rpmbuild: Step = async (ctx, def) => {
  for (const d of ["BUILD", "BUILDROOT", "RPMS", "SRPMS"]) await mkdir(join(ctx.top, d), { recursive: true });
  const { root, top } = ctx.seen;
  const tmp = ctx.sandboxed ? "/tmp" : join(ctx.input.jobDir, "tmp");
  const argv = rpmbuildArgv({
    topdir: top,
    tmpdir: tmp,
    specFile: `${top}/SPECS/${ctx.specName}`,
    dist: ctx.input.dist,
  });
  const env = { ...buildEnv(root, await ctx.home()), ...def.env };
  if (!ctx.sandboxed) {
    await mkdir(tmp, { recursive: true });
    env.TMPDIR = tmp;
  }
  const t0 = performance.now();
  // The rpmbuild tree is the only place the build may write.
  await ctx.exec(def, argv.join(" "), {
    argv,
    env,
    cwd: "top",
    readOnly: ["root"],
    readWrite: "top",
  });
  ctx.say(`rpmbuild finished in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  // What the build left in RPMS/ and SRPMS/ is untrusted: no links, only RPMs, all its own.
  const shown = (f: string): string => relative(ctx.top, f);
  ctx.rpmFiles = await listOutputRpms(ctx.top, "RPMS");
  const srpmFiles = await listOutputRpms(ctx.top, "SRPMS");
  if (ctx.rpmFiles.length === 0) throw new StepError("rpmbuild produced no binary RPMs");
  const headers = await queryRpms([...ctx.rpmFiles, ...srpmFiles], shown);
  const foreign = checkOutputs(ctx.input.pkg.name, headers, shown);
  if (foreign) throw new StepError(foreign);
  ctx.result.rpms = headers.filter((h) => !h.source);
  ctx.result.srpm = headers.find((h) => h.source);
  for (const h of headers) ctx.say(`produced ${shown(h.file)}`);
  ctx.built = true;
};
