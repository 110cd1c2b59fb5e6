// The build-dependencies step: the job's build root, the dependency RPMs it needs cloned from the
// cache of installed roots (installed once, first). An agent fetches the RPMs it lacks first.
import { timedStep } from "../step.js";

export const buildDependencies = timedStep(async (ctx) => {
  await ctx.input.beforeRoot?.();
  const r = await ctx.input.roots.prepare(ctx.input.rootPackages, ctx.root, ctx.say);
  ctx.result.root = r;
  ctx.say(
    `build root ${r.key.slice(0, 12)}: ${r.cached ? "cloned from cache" : `installed in ${Math.round(r.installMs)} ms, then cloned`} in ${Math.round(r.cloneMs)} ms`,
  );
});
