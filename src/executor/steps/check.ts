// The check step, after rpmbuild in the same job: no shipped file may hold the build root's path
// (leak-check.ts), then rpmlint, whose errors fail the job when kiln.yaml says build.rpmlint: errors.
import { basename, join, relative } from "node:path";
import { runRpmlint } from "../../rpm/rpmlint.js";
import { findPathLeaks } from "../leak-check.js";
import type { Step } from "../step.js";
import { StepError } from "../step-error.js";

export const check: Step = async (ctx, def) => {
  if (!ctx.built) throw new StepError("check needs rpmbuild earlier in the same job");
  // The build root's path, as the build saw it and as it is on this machine.
  const prefixes = [...new Set([ctx.seen.root, ctx.root])];
  const t1 = performance.now();
  const leaks = await findPathLeaks(ctx.rpmFiles, prefixes, ctx.input.jobDir, ctx.sandboxed);
  ctx.say(
    `checked ${ctx.rpmFiles.length} RPM(s) for the build root's path in ${Math.round(performance.now() - t1)} ms`,
  );
  if (leaks.length > 0) {
    for (const l of leaks)
      ctx.say(
        `${relative(ctx.top, l.rpm)} contains the build root path ${prefixes.join(" or ")} in: ${l.files.join(", ")}`,
      );
    const named = leaks.flatMap((l) => l.files.map((f) => `${basename(l.rpm)}:${f}`));
    throw new StepError(
      `the build root's path is in ${named.length} shipped file(s): ${named.slice(0, 5).join(", ")}${named.length > 5 ? ", …" : ""}`,
    );
  }
  if (ctx.input.rpmlint === "off") return;
  const lint = await runRpmlint(ctx.rpmFiles, {
    rcFile: join(ctx.top, "SOURCES", `${ctx.input.pkg.name}.rpmlintrc`),
    home: join(ctx.input.jobDir, "home"),
    log: ctx.log,
    sandbox: ctx.sandboxed,
    signal: ctx.stepSignal(def),
  });
  ctx.say(`rpmlint: ${lint.errors} error(s), ${lint.warnings} warning(s)`);
  if (ctx.input.rpmlint === "errors" && lint.errors > 0) {
    throw new StepError(`rpmlint found ${lint.errors} error(s) (build.rpmlint: errors in kiln.yaml)`);
  }
};
